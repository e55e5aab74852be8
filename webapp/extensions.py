"""Extension objects, created unbound and bound in :func:`webapp.create_app`."""

from __future__ import annotations

from typing import Any

from flask_babel import Babel
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

migrate = Migrate()
# Every HTML form posts a CSRF token; the JSON API authenticates with bearer
# tokens, not cookies, and is exempted where it is registered.
csrf = CSRFProtect()
# Simplified Chinese everywhere; the kiosk also speaks English to holders of
# a foreigner's permanent residence card (or whoever picks it).
babel = Babel()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Make SQLite enforce foreign keys, wait for locks, and commit cheaply.

    WAL lets readers go on while one writer commits, and with
    ``synchronous=NORMAL`` a commit needs no fsync (the WAL is synced at
    checkpoints): a power cut may lose the last commits but never corrupts the
    file. That is the right trade for the standalone demo; production runs on
    PostgreSQL.
    """
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")  # in-memory databases keep "memory"
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
