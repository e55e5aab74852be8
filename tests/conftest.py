"""Fixtures shared by the whole suite.

Database tests run on SQLite always and on PostgreSQL too: the ``app``
fixture is parametrised over both. PostgreSQL is the server at
``TEST_DATABASE_URL`` (default: the CI machine's 127.0.0.1:5432, database
``test``, trust auth); each test session works in a schema of its own, made
with the migrations and dropped at the end. Without a server the PostgreSQL
half is skipped, except in CI (``CI=true``), where it fails.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask

from govcore.db import db
from tests.api.conftest import load_world
from tests.components import unavailable
from webapp import create_app

# Uploads made by tests go to a throw-away folder, never into instance/.
UPLOAD_ROOT = tempfile.mkdtemp(prefix="miaopi-test-uploads-")
# Document-signing keys and the local CA, made once per test session.
KEYS_ROOT = tempfile.mkdtemp(prefix="miaopi-test-keys-")
PG_DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TODAY = date(2026, 11, 28)


def make_test_app(database_url: str, **settings: object) -> Flask:
    """The application in its testing configuration on ``database_url``."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_DIR": UPLOAD_ROOT,
            "DOCUMENT_KEY_DIR": f"{KEYS_ROOT}/keys",
            "DOCUMENT_PKI_DIR": f"{KEYS_ROOT}/pki",
            **settings,
        }
    )


@contextmanager
def world_app(
    database_url: str, *, world: bool = True, **settings: object
) -> Iterator[Flask]:
    """:func:`make_test_app` on ``database_url`` with its tables created
    and, unless ``world=False``, the catalogue and the personas loaded
    (:func:`~tests.api.conftest.load_world`); its session removed and its
    engine disposed on the way out."""
    app = make_test_app(database_url, **settings)
    with app.app_context():
        db.create_all()
    if world:
        load_world(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def pytest_sessionfinish(session: pytest.Session) -> None:
    shutil.rmtree(UPLOAD_ROOT, ignore_errors=True)
    shutil.rmtree(KEYS_ROOT, ignore_errors=True)


def pg_server_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", PG_DEFAULT_URL)


def require_postgres() -> None:
    """Skip (fail in CI) when the PostgreSQL server does not answer."""
    engine = sa.create_engine(pg_server_url(), connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        message = (
            f"PostgreSQL at {engine.url.render_as_string()} unavailable: {exc.orig}"
        )
        unavailable(message)
    finally:
        engine.dispose()


class PostgresSchema:
    """A throw-away schema on the PostgreSQL server, reachable through ``url``."""

    def __init__(self) -> None:
        self.name = f"miaopi_test_{secrets.token_hex(4)}"
        base = sa.make_url(pg_server_url())
        self.url = base.update_query_dict({"options": f"-csearch_path={self.name}"})
        self._admin = sa.create_engine(base)
        with self._admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{self.name}"'))

    def drop(self) -> None:
        with self._admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self._admin.dispose()


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[PostgresSchema]:
    """A migrated schema for the whole session (tables truncated after each test)."""
    require_postgres()
    schema = PostgresSchema()
    app = make_test_app(schema.url.render_as_string(False))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    yield schema
    schema.drop()


def _truncate_all() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The application on a fresh, empty database of either backend.

    SQLite is in memory, one connection for every thread: a test that serves
    the app to other threads is marked ``served`` and gets a file instead,
    since one request's rollback would otherwise undo another's writes.
    """
    if request.param == "sqlite":
        url = "sqlite://"
        if request.node.get_closest_marker("served"):
            url = f"sqlite:///{request.getfixturevalue('tmp_path') / 'app.sqlite3'}"
        app = make_test_app(url)
        with app.app_context():
            db.create_all()
    else:
        schema = request.getfixturevalue("pg_schema")
        app = make_test_app(schema.url.render_as_string(False))
    yield app
    with app.app_context():
        db.session.remove()
        if request.param == "postgresql":
            _truncate_all()
        db.engine.dispose()


@pytest.fixture
def sqlite_app() -> Iterator[Flask]:
    """The application on a fresh in-memory SQLite database only."""
    with world_app("sqlite://", world=False) as app:
        yield app


@pytest.fixture
def postgres_app(pg_schema: PostgresSchema) -> Iterator[Flask]:
    """The application on PostgreSQL only: for tests of concurrent writers."""
    app = make_test_app(pg_schema.url.render_as_string(False))
    yield app
    with app.app_context():
        db.session.remove()
        _truncate_all()
        db.engine.dispose()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()
