"""Extension objects, created unbound and bound in :func:`webapp.create_app`."""

from __future__ import annotations

from typing import Any

from flask_migrate import Migrate
from sqlalchemy import event
from sqlalchemy.engine import Engine

migrate = Migrate()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Make SQLite enforce foreign keys and wait for locks instead of failing."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
