"""The floor of the load test: a bare endpoint that inserts one row.

Same stack as miaopi (gunicorn + Flask + Flask-SQLAlchemy + psycopg 3 +
PostgreSQL), the same engine settings (:func:`engine_options` repeats what
``webapp.create_app`` does with them), its own table in the throw-away
database, and nothing else: no blueprints, no authentication, no schemas.

    DATABASE_URL=postgresql+psycopg://… \
        gunicorn --pythonpath bench/load 'floor_app:create_app()'

``POST /floor`` with a small JSON body inserts one row and commits: one
transaction, one round trip for the INSERT … RETURNING and one for the COMMIT
(plus the pool's pre-ping), which is the least any write of ours can cost.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from webapp.config import Config  # noqa: E402

db = SQLAlchemy()


class FloorRow(db.Model):
    __tablename__ = "load_floor_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime]


def engine_options() -> dict[str, Any]:
    """The engine options ``webapp.create_app`` would use in this environment:
    the config class's, ``MIAOPI_SQLALCHEMY_ENGINE_OPTIONS`` when set, and
    ``hide_parameters`` unless that says otherwise."""
    options = dict(Config.SQLALCHEMY_ENGINE_OPTIONS)
    if os.environ.get("MIAOPI_SQLALCHEMY_ENGINE_OPTIONS"):
        options = json.loads(os.environ["MIAOPI_SQLALCHEMY_ENGINE_OPTIONS"])
    return {"hide_parameters": True, **options}


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options()
    db.init_app(app)

    @app.post("/floor")
    def insert_one():  # type: ignore[no-untyped-def]
        row = FloorRow(
            payload=request.get_json(), created_at=datetime.now(timezone.utc)
        )
        db.session.add(row)
        db.session.commit()
        return {"id": row.id}, 201

    @app.get("/readyz")
    def readyz():  # type: ignore[no-untyped-def]
        db.session.execute(sa.text("SELECT 1"))
        return {"status": "ready"}

    return app


def create_schema(url: str) -> None:
    """Create the floor's table (run once, before the workers start)."""
    engine = sa.create_engine(url)
    FloorRow.metadata.create_all(engine, tables=[FloorRow.__table__])
    engine.dispose()


def count_rows(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(sa.select(sa.func.count()).select_from(FloorRow))
    engine.dispose()
    return int(count or 0)
