"""The retention purge leaves a record: one audit event per purge with the
counts, per item, and never who (security R33, R36)."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from PIL import Image

from govcore.applications import Application
from govcore.applications.maintenance import purge_expired
from govcore.audit import AuditEvent, verify_chain
from govcore.clock import local_date, utcnow
from govcore.db import db
from tests.api.conftest import PERSON, create_draft, dev_login


def _apply(client, name: str, item: str, *, upload: bool = False) -> str:
    auth = dev_login(client, name)
    draft = create_draft(client, auth, item)
    if upload:
        out = io.BytesIO()
        Image.new("RGB", (30, 30), "white").save(out, "PNG")
        answer = client.post(
            f"/api/v1/applications/{draft['id']}/materials/mandate/uploads",
            data={"file": (io.BytesIO(out.getvalue()), "a.png")},
            headers=auth,
        )
        assert answer.status_code == 201, answer.json
    return draft["id"]


def _events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == "retention_purged")
            )
        )


def test_a_purge_is_audited_with_counts_only(world: Flask, client) -> None:
    canary = PERSON["金丝雀"].id_number
    expired = [
        _apply(client, "金丝雀", "aged-allowance", upload=True),
        _apply(client, "陈伯", "aged-allowance"),
        _apply(client, "陈志明", "no-criminal-record-certificate"),
    ]
    kept = _apply(client, "金丝雀", "aged-allowance")
    store = world.extensions["miaopi.filestore"]
    now = utcnow()
    with world.app_context():
        for application in db.session.scalars(sa.select(Application)):
            if application.public_id in expired:
                application.retain_until = local_date(now) - timedelta(days=1)
        db.session.commit()
        purged, files = purge_expired(now=now, store=store)
    assert (purged, files) == (3, 1)

    (event,) = _events(world)
    assert (event.actor, event.target) == ("system", "applications")
    assert event.details == {
        "applications": 3,
        "files": 1,
        "items": {"aged-allowance": 2, "no-criminal-record-certificate": 1},
        "retained_until_before": local_date(now).isoformat(),
    }
    text = f"{event.actor} {event.target} {event.details}"
    assert canary not in text and "金丝雀" not in text
    assert not any(public_id in text for public_id in expired)
    with world.app_context():
        assert verify_chain() is None
        left = db.session.scalars(sa.select(Application.public_id)).all()
    assert left == [kept]

    # A second run finds nothing and records nothing.
    with world.app_context():
        assert purge_expired(now=now, store=store) == (0, 0)
    assert len(_events(world)) == 1


def test_the_sweep_command_purges_through_the_same_path(world: Flask, client) -> None:
    application_id = _apply(client, "陈伯", "aged-allowance")
    with world.app_context():
        application = db.session.scalars(
            sa.select(Application).filter_by(public_id=application_id)
        ).one()
        application.retain_until = local_date(utcnow()) - timedelta(days=1)
        db.session.commit()
    result = world.test_cli_runner().invoke(args=["applications", "sweep"])
    assert result.exit_code == 0, result.output
    assert "applications purged 1 (0 files)" in result.output
    (event,) = _events(world)
    assert event.details["applications"] == 1
