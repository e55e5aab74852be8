"""Retention: stale drafts are withdrawn and their files deleted; expired
applications are deleted with every file they hold (`applications sweep`)."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from PIL import Image

from govcore.applications import Application, MaterialRecord
from govcore.clock import local_date, utcnow
from govcore.db import db
from tests.api.conftest import create_draft


def _upload(client, auth, application_id: str, code: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (30, 30), "white").save(out, "PNG")
    response = client.post(
        f"/api/v1/applications/{application_id}/materials/{code}/uploads",
        data={"file": (io.BytesIO(out.getvalue()), "a.png")},
        headers=auth,
    )
    assert response.status_code == 201, response.json


def test_sweep_withdraws_stale_drafts_and_purges_expired(world, login, client) -> None:
    auth = login("陈伯")
    stale = create_draft(client, auth, "aged-allowance")
    _upload(client, auth, stale["id"], "mandate")
    done = create_draft(client, auth, "aged-allowance")
    _upload(client, auth, done["id"], "mandate")
    submitted = client.post(
        f"/api/v1/applications/{done['id']}/submit",
        headers={**auth, "Idempotency-Key": "r1"},
    )
    assert submitted.status_code == 200, submitted.json
    store = world.extensions["miaopi.filestore"]
    with world.app_context():
        files = {
            r.file_name
            for r in db.session.scalars(sa.select(MaterialRecord))
            if r.file_name
        }
        assert len(files) == 2 and all(store.exists(f) for f in files)
        by_id = {a.public_id: a for a in db.session.scalars(sa.select(Application))}
        by_id[stale["id"]].updated_at = utcnow() - timedelta(days=31)
        by_id[done["id"]].retain_until = local_date(utcnow()) - timedelta(days=1)
        db.session.commit()

    result = world.test_cli_runner().invoke(args=["applications", "sweep"])
    assert result.exit_code == 0, result.output
    assert "stale drafts withdrawn 1" in result.output
    assert "applications purged 1 (1 files)" in result.output
    with world.app_context():
        left = db.session.scalars(sa.select(Application)).all()
        assert [a.public_id for a in left] == [stale["id"]]
        assert left[0].status.value == "withdrawn"
        assert db.session.scalars(sa.select(MaterialRecord)).all() == [
            r for r in left[0].materials
        ]
        assert all(r.file_name is None for r in left[0].materials)
    assert not any(store.exists(f) for f in files)
    gone = client.get(f"/api/v1/applications/{done['id']}", headers=auth)
    assert gone.status_code == 404
