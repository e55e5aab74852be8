"""消息中心 through the API: a person's inbox, read marks, and the openid a
mini-program login leaves for subscription messages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask import Flask

from govcore.db import db
from govcore.notifications import (
    InboxChannel,
    MiniProgramSubscriber,
    dispatch_due,
    enqueue,
)
from tests.api.conftest import PERSON, create_draft
from tests.conftest import world_app
from tests.integration.test_identity_miniprogram import (
    APP_ID,
    ID_NUMBER,
    OPENID,
    SECRET,
    FakePlatform,
    make_code,
)

ID_PATTERN = re.compile(r"\d{17}[\dXx]")


def submit(client, auth, item: str = "aged-allowance") -> dict:
    draft = create_draft(client, auth, item)
    response = client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        headers={**auth, "Idempotency-Key": f"inbox-{draft['id']}"},
    )
    assert response.status_code == 200, response.json
    return response.json


def deliver(app: Flask) -> None:
    with app.app_context():
        report = dispatch_due([InboxChannel()], now=datetime.now(timezone.utc))
        assert report.dead == 0 and report.retrying == 0


def test_inbox_needs_a_login(client) -> None:
    assert client.get("/api/v1/notifications").status_code == 401
    response = client.post("/api/v1/notifications/abc/read")
    assert response.status_code == 401
    assert response.json["code"] == "unauthenticated"


def test_each_person_sees_only_their_messages_newest_first(
    world, login, client
) -> None:
    chen, lin = login("陈伯"), login("林秀娥")
    approved = submit(client, chen)
    submit(client, lin)
    with world.app_context():
        # A later message for 陈伯, e.g. a reminder sent the next day.
        enqueue(
            "certificate_revoked",
            application_id=None,
            payload={},
            now=datetime.now(timezone.utc) + timedelta(seconds=1),
            not_before=datetime.now(timezone.utc) - timedelta(seconds=1),
            recipient_id_number=PERSON["陈伯"].id_number,
            event_id="certificate_revoked:test-1",
        )
        db.session.commit()
    deliver(world)

    mine = client.get("/api/v1/notifications", headers=chen)
    assert mine.status_code == 200, mine.json
    body = mine.json
    assert body["unread"] == 2
    assert [n["kind"] for n in body["notifications"]] == [
        "certificate_revoked",
        "decision_approve",
    ]
    decision = body["notifications"][1]
    assert decision["title"] == "办件已批准" and decision["read"] is False
    assert approved["reference_no"] in decision["body"]
    assert "高龄老人津贴申领" in decision["body"]
    assert decision["application_id"] == approved["id"]
    text = mine.get_data(as_text=True)
    assert not ID_PATTERN.search(text) and "陈伯" not in text

    theirs = client.get("/api/v1/notifications", headers=lin).json
    assert [n["kind"] for n in theirs["notifications"]] == ["decision_approve"]
    other_id = theirs["notifications"][0]["id"]
    assert other_id not in text

    # Someone else's message is not found; one's own is marked read, once.
    stranger = client.post(f"/api/v1/notifications/{other_id}/read", headers=chen)
    assert stranger.status_code == 404
    read = client.post(f"/api/v1/notifications/{decision['id']}/read", headers=chen)
    assert read.status_code == 200, read.json
    assert read.json["read"] is True and read.json["read_at"]
    again = client.post(f"/api/v1/notifications/{decision['id']}/read", headers=chen)
    assert again.json["read_at"] == read.json["read_at"]
    assert client.get("/api/v1/notifications", headers=chen).json["unread"] == 1
    assert client.get("/api/v1/notifications", headers=lin).json["unread"] == 1


def test_limit_is_checked(login, client) -> None:
    auth = login("陈伯")
    assert client.get("/api/v1/notifications?limit=0", headers=auth).status_code == 422
    ok = client.get("/api/v1/notifications?limit=5", headers=auth)
    assert ok.status_code == 200 and ok.json == {"notifications": [], "unread": 0}


def test_nothing_reaches_the_inbox_before_delivery(world, login, client) -> None:
    auth = login("陈伯")
    submit(client, auth)
    assert client.get("/api/v1/notifications", headers=auth).json["unread"] == 0
    deliver(world)
    assert client.get("/api/v1/notifications", headers=auth).json["unread"] == 1


@pytest.fixture
def mp_app() -> Iterator[tuple[Flask, FakePlatform]]:
    platform = FakePlatform()
    platform.start()
    try:
        with world_app(
            "sqlite://",
            MINIPROGRAM_SESSION_URL=platform.session_url,
            MINIPROGRAM_APP_ID=APP_ID,
            MINIPROGRAM_APP_SECRET=SECRET,
        ) as app:
            yield app, platform
    finally:
        platform.stop()


def test_miniprogram_login_records_the_openid_and_dev_login_does_not(
    mp_app,
) -> None:
    app, _ = mp_app
    client = app.test_client()
    response = client.post(
        "/api/v1/auth/miniprogram-login", json={"code": make_code("ok")}
    )
    assert response.status_code == 201, response.json
    persona = PERSON["陈伯"]
    dev = client.post(
        "/api/v1/auth/dev-login",
        json={"id_number": persona.id_number, "name": persona.name},
    )
    assert dev.status_code == 201
    with app.app_context():
        rows = db.session.scalars(sa.select(MiniProgramSubscriber)).all()
        assert [(r.id_number, r.openid) for r in rows] == [(ID_NUMBER, OPENID)]
    # A second login keeps one row per person.
    client.post("/api/v1/auth/miniprogram-login", json={"code": make_code("ok")})
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(MiniProgramSubscriber)
            )
            == 1
        )
