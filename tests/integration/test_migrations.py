"""Models and migrations agree, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from govcore.db import db
from webapp import create_app

from tests.conftest import PostgresSchema, require_postgres


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def empty_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The application on an empty database with no tables at all."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        require_postgres()
        schema = PostgresSchema()
        url = schema.url.render_as_string(False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    yield app
    with app.app_context():
        db.engine.dispose()
    if schema is not None:
        schema.drop()


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def test_migrations_create_exactly_the_models(empty_app: Flask) -> None:
    with empty_app.app_context():
        upgrade()
        assert schema_differences() == []


def test_migrations_downgrade_to_nothing_and_back(empty_app: Flask) -> None:
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as connection:
            tables = set(db.inspect(connection).get_table_names())
        assert tables <= {"alembic_version"}
        upgrade()
        assert schema_differences() == []


def test_a_model_change_without_a_migration_is_detected(empty_app: Flask) -> None:
    import sqlalchemy as sa

    with empty_app.app_context():
        upgrade()
        extra = sa.Table(
            "not_migrated", db.metadata, sa.Column("id", sa.Integer, primary_key=True)
        )
        try:
            assert schema_differences() != []
        finally:
            db.metadata.remove(extra)
