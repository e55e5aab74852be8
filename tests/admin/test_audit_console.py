"""The auditor's view of the audit log, its export, and `flask audit verify`."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from flask import Flask

from govcore.audit import AuditEvent
from govcore.db import db
from tests.admin.test_console import log_in
from tests.api.test_staff_reviews import make_account, manual_task


def test_the_auditor_searches_and_exports_the_log(world: Flask, client) -> None:
    manual_task(world, world.test_client())
    secret = make_account(world, "audit.one", "auditor", None)
    log_in(client, "audit.one", secret)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "哈希链完整性校验通过" in page and "staff_login" in page
    only = client.get("/admin/audit?action=staff_login").get_data(as_text=True)
    assert "staff_login" in only and "application_submitted" not in only
    export = client.get("/admin/audit.csv?action=staff_login")
    assert export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "at", "action"]
    assert {row[2] for row in rows[1:]} == {"staff_login"}
    everything = client.get("/admin/audit.csv").get_data(as_text=True)
    assert "440507194401150010" not in everything  # no raw ID numbers


def test_verify_detects_a_changed_row(world: Flask) -> None:
    manual_task(world, world.test_client())
    runner = world.test_cli_runner()
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0 and "audit log intact" in intact.output
    with world.app_context():
        first = db.session.scalar(sa.select(sa.func.min(AuditEvent.id)))
        db.session.execute(
            sa.update(AuditEvent)
            .where(AuditEvent.id == first)
            .values(actor="someone-else")
        )
        db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and f"broken at event {first}" in broken.output


def test_verify_detects_a_deleted_row(world: Flask) -> None:
    for name in ("a.one", "b.two", "c.three"):  # each account is audited
        make_account(world, name, "auditor", None)
    with world.app_context():
        ids = list(db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)))
        assert len(ids) >= 3
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == ids[1]))
        db.session.commit()
    broken = world.test_cli_runner().invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and f"broken at event {ids[2]}" in broken.output
