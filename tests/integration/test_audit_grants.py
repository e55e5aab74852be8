"""On PostgreSQL the application's role may add audit events, never change
or delete them (`flask audit grants ROLE --apply`), against the real server."""

from __future__ import annotations

import secrets
from datetime import timezone

import pytest
import sqlalchemy as sa
from flask import Flask

from govcore.audit import record_event
from govcore.audit.grants import app_role_grants
from govcore.clock import utcnow
from govcore.db import db


@pytest.fixture
def app_role(postgres_app: Flask):
    """A login-less role for the app, dropped afterwards (roles are global)."""
    role = f"miaopi_app_{secrets.token_hex(4)}"
    with postgres_app.app_context():
        db.session.execute(sa.text(f'CREATE ROLE "{role}"'))
        db.session.commit()
    yield role
    with postgres_app.app_context():
        db.session.execute(sa.text("RESET ROLE"))
        db.session.execute(sa.text(f'DROP OWNED BY "{role}"'))
        db.session.execute(sa.text(f'DROP ROLE "{role}"'))
        db.session.commit()
        db.engine.dispose()  # no pooled connection keeps the role


def test_the_app_role_appends_to_the_audit_log_only(postgres_app, app_role) -> None:
    with postgres_app.app_context():
        schema = db.session.scalar(sa.text("SELECT current_schema()"))
    result = postgres_app.test_cli_runner().invoke(
        args=["audit", "grants", app_role, "--schema", schema, "--apply"]
    )
    assert result.exit_code == 0, result.output
    assert "REVOKE UPDATE, DELETE, TRUNCATE" in result.output
    with postgres_app.app_context():
        db.session.execute(sa.text(f'SET ROLE "{app_role}"'))
        record_event("test_event", actor="test", at=utcnow().astimezone(timezone.utc))
        db.session.commit()  # INSERT is allowed
        db.session.execute(sa.text(f'SET ROLE "{app_role}"'))
        assert db.session.scalar(sa.text("SELECT count(*) FROM audit_event")) >= 1
        for statement in (
            "UPDATE audit_event SET actor = 'x'",
            "DELETE FROM audit_event",
            "TRUNCATE audit_event",
        ):
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                db.session.execute(sa.text(statement))
            db.session.rollback()
            db.session.execute(sa.text(f'SET ROLE "{app_role}"'))
        # Everything else stays writable for the app.
        db.session.execute(sa.text("UPDATE terminal SET name = name"))
        db.session.rollback()
        db.session.execute(sa.text("RESET ROLE"))
        db.session.commit()


def test_names_are_checked_before_they_reach_sql() -> None:
    with pytest.raises(ValueError):
        app_role_grants('app"; DROP TABLE x; --', "public")
    assert app_role_grants("miaopi_app", "public")[-1] == (
        'REVOKE UPDATE, DELETE, TRUNCATE ON "public".audit_event FROM "miaopi_app"'
    )
