"""Logging in, sessions, and continuing a kiosk draft on the phone."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from govcore import applications as apps
from govcore.applications import Application, Caller, ChannelKind
from govcore.audit import AuditEvent
from govcore.clock import utcnow
from govcore.db import db
from govcore.errors import ValidationError
from govcore.identity import KIOSK_POLICY, Identity, UserSession, open_session
from tests.api.conftest import PERSON, create_draft, dev_login
from tests.conftest import make_test_app


def test_dev_login_gives_a_long_random_token_stored_hashed(world, client) -> None:
    persona = PERSON["陈伯"]
    response = client.post(
        "/api/v1/auth/dev-login",
        json={"id_number": persona.id_number, "name": persona.name},
    )
    assert response.status_code == 201
    token = response.json["token"]
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 16
    assert response.json["user"] == {
        "name_masked": "陈*",
        "id_number_masked": "4405**********0010",
        "provider": "dev",
        "channel": "mobile",
    }
    with world.app_context():
        stored = db.session.scalars(sa.select(UserSession)).one()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(stored.__dict__)
    second = dev_login(client, "陈伯")["Authorization"]
    assert second != f"Bearer {token}"


def test_dev_login_rejects_invalid_numbers(world, client) -> None:
    response = client.post(
        "/api/v1/auth/dev-login",
        json={"id_number": "440507194401150011", "name": "陈伯"},
    )
    assert response.status_code == 401
    assert "校验码" in response.json["message"]
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_logout_revokes_the_token(login, client) -> None:
    auth = login("陈伯")
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=auth).status_code == 204
    after = client.get("/api/v1/me", headers=auth)
    assert after.status_code == 401 and after.json["code"] == "unauthenticated"


def test_missing_or_malformed_tokens_are_401(world, client) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer x"}):
        response = client.get("/api/v1/applications", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["Cache-Control"] == "no-store"


def test_sessions_expire_when_idle(world, client) -> None:
    auth = dev_login(client, "陈伯")
    with world.app_context():
        session = db.session.scalars(sa.select(UserSession)).one()
        session.last_seen_at = utcnow() - timedelta(hours=3)
        db.session.commit()
    response = client.get("/api/v1/me", headers=auth)
    assert response.status_code == 401
    assert "超时" in response.json["message"]


def test_dev_login_does_not_exist_unless_enabled(sqlite_app) -> None:
    app = make_test_app("sqlite://", AUTH_DEV_LOGIN=False)
    response = app.test_client().post(
        "/api/v1/auth/dev-login", json={"id_number": "x", "name": "y"}
    )
    assert response.status_code == 404


def test_production_refuses_the_dev_login(monkeypatch) -> None:
    from webapp import create_app

    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("MIAOPI_AUTH_DEV_LOGIN", "true")
    with pytest.raises(RuntimeError, match="AUTH_DEV_LOGIN"):
        create_app("central")
    monkeypatch.delenv("MIAOPI_AUTH_DEV_LOGIN")
    assert "dev" not in create_app("central").extensions["miaopi.identity"]


def _kiosk_token(app, name: str) -> tuple[str, int]:
    persona = PERSON[name]
    with app.app_context():
        token, session = open_session(
            Identity(persona.id_number, persona.name, "idcard", persona.id_number),
            channel="kiosk",
            terminal_id="LH-K01",
            now=utcnow(),
            policy=KIOSK_POLICY,
        )
        db.session.commit()
        return token, session.id


def test_kiosk_draft_continues_on_the_phone(world, client) -> None:
    token, _ = _kiosk_token(world, "陈伯")
    kiosk = {"Authorization": f"Bearer {token}"}
    draft = create_draft(client, kiosk, "aged-allowance")
    assert draft["channel"] == "kiosk"
    handoff = client.post(f"/api/v1/applications/{draft['id']}/handoff", headers=kiosk)
    assert handoff.status_code == 201, handoff.json
    assert handoff.json["claim_url"] == "/api/v1/handoff/claim"
    code = handoff.json["code"]
    assert len(code) >= 20

    stranger = dev_login(client, "林秀娥")
    wrong = client.post("/api/v1/handoff/claim", json={"code": code}, headers=stranger)
    assert wrong.status_code == 404

    phone = dev_login(client, "陈伯")
    claimed = client.post("/api/v1/handoff/claim", json={"code": code}, headers=phone)
    assert claimed.status_code == 200, claimed.json
    assert claimed.json["id"] == draft["id"]
    assert claimed.json["channel"] == "mobile"
    # the kiosk session ended at once
    assert client.get("/api/v1/me", headers=kiosk).status_code == 401
    again = client.post("/api/v1/handoff/claim", json={"code": code}, headers=phone)
    assert again.status_code == 422 and again.json["code"] == "handoff_expired"
    with world.app_context():
        events = [e.action for e in db.session.scalars(sa.select(AuditEvent))]
        assert "draft_handed_off" in events
        stored = db.session.scalars(sa.select(UserSession)).all()
        assert any(s.end_reason == "handoff" for s in stored)


def test_handoff_codes_expire(world) -> None:
    token, session_id = _kiosk_token(world, "陈伯")
    persona = PERSON["陈伯"]
    with world.app_context():
        kiosk = Caller(
            persona.id_number, persona.name, ChannelKind.KIOSK, session_id=session_id
        )
        draft = apps.create_draft(
            "aged-allowance",
            kiosk,
            source=world.extensions["miaopi.datasource"],
            now=utcnow(),
        )
        code, expires_at = apps.create_handoff(draft, kiosk, now=utcnow())
        phone = Caller(persona.id_number, persona.name, ChannelKind.MOBILE)
        with pytest.raises(ValidationError) as caught:
            apps.claim_handoff(code, phone, now=expires_at + timedelta(seconds=1))
        assert caught.value.code == "handoff_expired"
        assert db.session.get(Application, draft.id).channel is ChannelKind.KIOSK


def test_phone_sessions_cannot_hand_off(login, client) -> None:
    auth = login("陈伯")
    draft = create_draft(client, auth, "aged-allowance")
    response = client.post(f"/api/v1/applications/{draft['id']}/handoff", headers=auth)
    assert response.status_code == 409
