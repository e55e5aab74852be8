"""Commitments (告知承诺), 容缺受理 with deadlines, and idempotent submission."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from govcore import applications as apps
from govcore.applications import Application, SignedCommitment, StatusChange
from govcore.clock import local_date, utcnow
from govcore.db import db
from govcore.decisions import ReviewTask
from govcore.notifications import OutboxMessage
from tests.api.conftest import (
    create_draft,
    dev_login,
    field,
    load_world,
    material,
)

RELIEF_ENTRIES = {
    "relief_type": "急难型",
    "reason_code": "火灾",
    "reason_text": "2026年11月家中失火，衣物家电损毁",
}


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return out.getvalue()


def relief_draft(client, auth) -> dict:
    detail = create_draft(client, auth, "temporary-relief")
    url = f"/api/v1/applications/{detail['id']}"
    response = client.patch(url, json={"fields": RELIEF_ENTRIES}, headers=auth)
    assert response.status_code == 200, response.json
    return response.json


def sign(client, auth, application_id: str, **extra) -> dict:
    url = f"/api/v1/applications/{application_id}/commitment"
    text = client.get(url, headers=auth).json
    response = client.post(
        url,
        json={"text_sha256": text["text_sha256"], **extra},
        headers=auth,
    )
    return response


def submit(client, auth, application_id: str, key: str = "key-1"):
    return client.post(
        f"/api/v1/applications/{application_id}/submit",
        headers={**auth, "Idempotency-Key": key},
    )


def test_commitment_text_names_item_materials_and_liability(login, client) -> None:
    auth = login("吴建新")
    detail = relief_draft(client, auth)
    text = client.get(
        f"/api/v1/applications/{detail['id']}/commitment", headers=auth
    ).json
    assert text["text"].startswith("告知承诺书")
    assert "临时救助" in text["text"]
    assert detail["reference_no"] in text["text"]
    assert "如实申报共同生活家庭成员" in text["text"]
    assert "记入本人信用记录" in text["text"]
    assert "4405**********005X" in text["text"]
    assert "44050719750618005X" not in text["text"]
    assert len(text["text_sha256"]) == 64


def test_signing_stores_text_hash_time_and_signature(world, login, client) -> None:
    auth = login("吴建新")
    detail = relief_draft(client, auth)
    png = png_bytes()
    import base64

    response = sign(
        client, auth, detail["id"], signature_png=base64.b64encode(png).decode()
    )
    assert response.status_code == 201, response.json
    assert response.json["commitment"]["method"] == "signature"
    with world.app_context():
        signed = db.session.scalars(sa.select(SignedCommitment)).one()
        assert signed.text_sha256 == apps.text_digest(signed.text)
        assert signed.channel.value == "mobile"
        assert signed.replaces == ["income_declaration"]
        store = world.extensions["miaopi.filestore"]
        assert Image.open(io.BytesIO(store.read(signed.signature_file))).size == (
            40,
            30,
        )
    again = sign(client, auth, detail["id"], consent={"confirmed": True})
    assert again.status_code == 409 and again.json["code"] == "already_signed"


def test_signing_needs_the_current_text_and_a_signature_or_consent(
    login, client
) -> None:
    auth = login("吴建新")
    detail = relief_draft(client, auth)
    url = f"/api/v1/applications/{detail['id']}/commitment"
    stale = client.post(
        url,
        json={"text_sha256": "0" * 64, "consent": {"confirmed": True}},
        headers=auth,
    )
    assert stale.status_code == 422 and stale.json["code"] == "commitment_text_changed"
    unsigned = sign(client, auth, detail["id"], consent={"confirmed": False})
    assert unsigned.status_code == 422 and unsigned.json["code"] == "signature_required"
    not_png = sign(client, auth, detail["id"], signature_png="bm90IGFuIGltYWdl")
    assert not_png.status_code == 415


def test_tolerated_material_gives_acceptance_with_a_working_day_deadline(
    world, login, client
) -> None:
    auth = login("吴建新")
    detail = relief_draft(client, auth)
    assert material(detail, "hardship_proof")["state"] == "tolerated"
    assert (
        sign(client, auth, detail["id"], consent={"confirmed": True}).status_code == 201
    )
    response = submit(client, auth, detail["id"])
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "awaiting_materials"
    calendar = world.extensions["miaopi.calendar"]
    due = calendar.add_working_days(local_date(utcnow()), 5)
    assert body["materials_due_on"] == due.isoformat()
    assert [h["to_status"] for h in body["history"]] == [
        "draft",
        "submitted",
        "awaiting_materials",
    ]
    assert "困难事由证明" in body["history"][-1]["reason"]
    with world.app_context():
        kinds = sorted(m.kind for m in db.session.scalars(sa.select(OutboxMessage)))
        assert kinds.count("materials_due_reminder") >= 1
        assert "materials_owed" in kinds

    # supplying the owed material completes the application
    upload = client.post(
        f"/api/v1/applications/{detail['id']}/materials/hardship_proof/uploads",
        data={"file": (io.BytesIO(png_bytes()), "proof.png")},
        headers=auth,
    )
    assert upload.status_code == 201, upload.json
    after = client.get(f"/api/v1/applications/{detail['id']}", headers=auth).json
    # complete now, and decided at once: 临时救助 always goes to a person
    assert [h["to_status"] for h in after["history"]][-2:] == [
        "submitted",
        "manual_review",
    ]
    assert after["history"][-2]["reason"] == "容缺材料已补齐"
    assert after["decision"]["outcome"] == "manual"
    with world.app_context():
        pending = [
            m
            for m in db.session.scalars(sa.select(OutboxMessage))
            if m.kind == "materials_due_reminder" and m.cancelled_at is None
        ]
        assert pending == []


def test_lapsed_deadline_goes_to_manual_review(world, login, client) -> None:
    auth = login("吴建新")
    detail = relief_draft(client, auth)
    sign(client, auth, detail["id"], consent={"confirmed": True})
    assert submit(client, auth, detail["id"]).json["status"] == "awaiting_materials"
    with world.app_context():
        store = world.extensions["miaopi.filestore"]
        application = db.session.scalars(sa.select(Application)).one()
        due = application.materials_due_on
        calendar = world.extensions["miaopi.calendar"]
        on_due_day = apps.sweep(
            now=utcnow() + (due - local_date(utcnow())),
            store=store,
            calendar=calendar,
        )
        assert on_due_day.lapsed == 0
        later = apps.sweep(
            now=utcnow() + timedelta(days=30), store=store, calendar=calendar
        )
        assert later.lapsed == 1
        db.session.refresh(application)
        assert application.status.value == "manual_review"
        # The department's queue holds it, as any application sent to a person.
        (task,) = db.session.scalars(sa.select(ReviewTask)).all()
        assert (task.application_id, task.status) == (application.id, "open")
        assert "容缺材料逾期未补交" in task.reason
        last = db.session.scalars(
            sa.select(StatusChange).order_by(StatusChange.id.desc())
        ).first()
        assert last.actor == "system" and "逾期" in last.reason


def test_owed_uploads_only_for_the_owed_material(login, client) -> None:
    auth = login("吴建新")
    detail = relief_draft(client, auth)
    sign(client, auth, detail["id"], consent={"confirmed": True})
    submit(client, auth, detail["id"])
    response = client.post(
        f"/api/v1/applications/{detail['id']}/materials/mandate/uploads",
        data={"file": (io.BytesIO(png_bytes()), "x.png")},
        headers=auth,
    )
    assert response.status_code == 409 and response.json["code"] == "not_owed"


def test_missing_fields_and_materials_block_submission(login, client) -> None:
    auth = login("陈志明")  # no income check on file: the declaration is owed
    detail = create_draft(client, auth, "temporary-relief")
    assert material(detail, "income_declaration")["state"] == "missing"
    response = submit(client, auth, detail["id"])
    assert response.status_code == 422
    assert response.json["code"] == "fields_missing"
    assert "救助类型" in response.json["message"]
    patched = client.patch(
        f"/api/v1/applications/{detail['id']}",
        json={"fields": {**RELIEF_ENTRIES, "household_size": 1}},
        headers=auth,
    )
    assert field(patched.json, "household_size")["problem"] == "no_record"
    # the same key again: the failed attempt did not use it up
    response = submit(client, auth, detail["id"])
    assert response.status_code == 422, response.json
    assert response.json["code"] == "materials_missing"
    assert "家庭收入" in response.json["message"]
    assert "materials.income_declaration" in response.json["errors"]
    # the commitment stands in for the declaration; 容缺 for the proof
    assert (
        sign(client, auth, detail["id"], consent={"confirmed": True}).status_code == 201
    )
    response = submit(client, auth, detail["id"])
    assert response.status_code == 200, response.json
    assert material(response.json, "income_declaration")["state"] == "committed"
    assert response.json["status"] == "awaiting_materials"


def test_submit_requires_an_idempotency_key(login, client) -> None:
    auth = login("陈伯")
    detail = create_draft(client, auth, "aged-allowance")
    response = client.post(f"/api/v1/applications/{detail['id']}/submit", headers=auth)
    assert response.status_code == 400
    assert response.json["code"] == "idempotency_key_required"


def test_same_key_replays_the_first_response(world, login, client) -> None:
    auth = login("陈伯")
    detail = create_draft(client, auth, "aged-allowance")
    first = submit(client, auth, detail["id"], key="abc")
    assert first.status_code == 200 and first.json["status"] == "approved"
    again = submit(client, auth, detail["id"], key="abc")
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    other_key = submit(client, auth, detail["id"], key="def")
    assert other_key.status_code == 409
    assert other_key.json["code"] == "already_submitted"
    with world.app_context():
        submitted = db.session.scalars(
            sa.select(StatusChange).where(StatusChange.to_status == "submitted")
        ).all()
        assert len(submitted) == 1


def test_same_key_for_another_request_is_422(login, client) -> None:
    auth = login("陈伯")
    one = create_draft(client, auth, "aged-allowance")
    two = create_draft(client, auth, "social-security-card")
    assert submit(client, auth, one["id"], key="k").status_code == 200
    response = submit(client, auth, two["id"], key="k")
    assert response.status_code == 422
    assert response.json["code"] == "idempotency_key_reused"


def test_draft_creation_with_a_key_never_makes_two(world, login, client) -> None:
    auth = {**login("陈伯"), "Idempotency-Key": "create-1"}
    body = {"item_code": "aged-allowance"}
    first = client.post("/api/v1/applications", json=body, headers=auth)
    second = client.post("/api/v1/applications", json=body, headers=auth)
    assert first.status_code == second.status_code == 201
    assert first.json["id"] == second.json["id"]
    with world.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 1


def _race(app, calls) -> list:
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        client = app.test_client()
        barrier.wait()
        results[index] = call(client)

    threads = [threading.Thread(target=run, args=c) for c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def pg_world(postgres_app):
    load_world(postgres_app)
    return postgres_app


@pytest.mark.postgres
@pytest.mark.parametrize("same_key", [True, False])
def test_concurrent_submissions_move_the_application_once(pg_world, same_key) -> None:
    world, client = pg_world, pg_world.test_client()
    auth = dev_login(client, "陈伯")
    detail = create_draft(client, auth, "aged-allowance")
    calls = [
        lambda c, i=i: submit(
            c, auth, detail["id"], key="same" if same_key else f"key-{i}"
        )
        for i in range(4)
    ]
    responses = _race(world, calls)
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) >= 1
    assert set(codes) <= {200, 409}
    with world.app_context():
        submitted = db.session.scalars(
            sa.select(StatusChange).where(StatusChange.to_status == "submitted")
        ).all()
        assert len(submitted) == 1
    if not same_key:
        assert codes.count(200) == 1


@pytest.mark.postgres
def test_concurrent_drafts_get_unique_reference_numbers(pg_world) -> None:
    world, client = pg_world, pg_world.test_client()
    auth = dev_login(client, "陈伯")
    calls = [
        lambda c: c.post(
            "/api/v1/applications", json={"item_code": "aged-allowance"}, headers=auth
        )
    ] * 12
    responses = _race(world, calls)
    assert all(r.status_code == 201 for r in responses), [r.json for r in responses]
    numbers = [r.json["reference_no"] for r in responses]
    assert len(set(numbers)) == 12
    day = local_date(utcnow()).strftime("%Y%m%d")
    assert sorted(numbers) == [f"LH{day}-{n:05d}" for n in range(1, 13)]


def test_field_values_survive_resume(login, client) -> None:
    auth = login("吴建新")
    detail = relief_draft(client, auth)
    resumed = client.get(f"/api/v1/applications/{detail['id']}", headers=auth).json
    assert field(resumed, "reason_code")["value"] == "火灾"
    assert resumed["effort"]["typed_fields"] == 1  # the hardship description
    assert resumed["effort"]["chosen_fields"] == 2


@pytest.mark.postgres
def test_concurrent_uploads_keep_to_the_page_limit(pg_world) -> None:
    client = pg_world.test_client()
    auth = dev_login(client, "陈伯")
    detail = create_draft(client, auth, "aged-allowance")
    url = f"/api/v1/applications/{detail['id']}/materials/mandate/uploads"
    for _ in range(9):
        assert (
            client.post(
                url, data={"file": (io.BytesIO(png_bytes()), "p.png")}, headers=auth
            ).status_code
            == 201
        )
    calls = [
        lambda c: c.post(
            url, data={"file": (io.BytesIO(png_bytes()), "p.png")}, headers=auth
        )
    ] * 4
    codes = sorted(r.status_code for r in _race(pg_world, calls))
    assert codes == [201, 422, 422, 422]
    after = client.get(f"/api/v1/applications/{detail['id']}", headers=auth).json
    assert after["effort"]["uploaded_files"] == 10
