"""Rate limits on logins, one-time codes and the public verification
(webapp/rate_limits.py): counted per client address, failures only for
logins and codes, 429 in Chinese with Retry-After, one audit event per
client and window; in memory and, shared by two app instances, in Redis.

Security R10 (brute force) and R18 (anti-automation on lookups).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from govcore import staff, terminals
from govcore.audit import AuditEvent
from govcore.clock import utcnow
from govcore.db import db
from govcore.staff.kiosk_assist import enrol
from govcore.terminals import kiosk
from tests.api.conftest import PERSON
from tests.components import unavailable
from tests.conftest import make_test_app, world_app
from webapp.config import Config

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LIMITS = {
    "STAFF_LOGIN_RATE_LIMIT": "3 per minute",
    "CITIZEN_LOGIN_RATE_LIMIT": "3 per minute",
    "ONE_TIME_CODE_RATE_LIMIT": "3 per minute",
    "VERIFY_RATE_LIMIT": "3 per minute",
}
WRONG_STAFF = {"username": "nobody", "password": "wrong-password", "otp": "123456"}


def limited_app(**settings: object) -> Flask:
    app = make_test_app("sqlite://", **{**LIMITS, **settings})
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def limited() -> Iterator[Flask]:
    """The world on SQLite with limits of 3 a minute (the counting, not the
    numbers, is under test; the configured numbers are checked below)."""
    with world_app("sqlite://", **LIMITS) as app:
        yield app


def rate_limited_events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == "rate_limited")
            )
        )


@pytest.fixture
def client(limited: Flask) -> FlaskClient:
    return limited.test_client()


def dev_login(client: FlaskClient, name: str, *, wrong: bool = False):
    """Log ``name`` in; ``wrong``: with a check digit that fails (401)."""
    number = PERSON[name].id_number
    if wrong:
        number = number[:-1] + ("1" if number[-1] != "1" else "2")
    return client.post(
        "/api/v1/auth/dev-login", json={"id_number": number, "name": name}
    )


def assert_refused_in_chinese(response, *, json: bool) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    if json:
        assert response.json["message"] == "请求过于频繁，请稍后再试"
    else:
        assert response.mimetype == "text/html"
        assert "请求过于频繁，请稍后再试" in response.get_data(as_text=True)


def test_the_configured_limits() -> None:
    assert Config.STAFF_LOGIN_RATE_LIMIT == "30 per minute;200 per hour"
    assert Config.CITIZEN_LOGIN_RATE_LIMIT == "10 per minute;50 per hour"
    assert Config.ONE_TIME_CODE_RATE_LIMIT == "10 per minute;50 per hour"
    assert Config.KIOSK_PIN_RATE_LIMIT == "10 per minute;50 per hour"
    assert Config.VERIFY_RATE_LIMIT == "60 per minute"
    assert Config.RATELIMIT_STORAGE_URI == "memory://"


def test_failed_staff_logins_share_one_budget_across_names_and_forms(
    limited: Flask, client
) -> None:
    for name in ("a.one", "b.two"):
        answer = client.post(
            "/api/v1/staff/login", json={**WRONG_STAFF, "username": name}
        )
        assert answer.status_code == 401
    page = client.get("/admin/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {**WRONG_STAFF, "username": "c.three", "csrf_token": token}
    assert client.post("/admin/login", data=form).status_code == 401
    # The fourth failure from this address is refused, as JSON and as a page.
    assert_refused_in_chinese(
        client.post("/api/v1/staff/login", json=WRONG_STAFF), json=True
    )
    assert_refused_in_chinese(client.post("/admin/login", data=form), json=False)
    # Audited once for the window, without the address.
    (event,) = rate_limited_events(limited)
    assert event.details["scope"] == "staff-login"
    assert event.target == "endpoint:staff.login"
    assert "127.0.0.1" not in str(event.details) and len(event.details["client"]) == 16
    # Another address has a budget of its own.
    elsewhere = limited.test_client()
    answer = elsewhere.post(
        "/api/v1/staff/login",
        json=WRONG_STAFF,
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert answer.status_code == 401


def test_a_forged_forwarded_for_header_does_not_reset_the_count(
    limited: Flask, client
) -> None:
    for n in range(3):
        forged = {"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"198.51.100.{n}"}
        answer = client.post("/api/v1/staff/login", json=WRONG_STAFF, headers=forged)
        assert answer.status_code == 401
    refused = client.post(
        "/api/v1/staff/login", json=WRONG_STAFF, headers={"X-Forwarded-For": "1.1.1.1"}
    )
    assert refused.status_code == 429


def test_successful_and_malformed_logins_do_not_count(limited: Flask, client) -> None:
    for _ in range(5):
        assert dev_login(client, "陈伯").status_code == 201
    for _ in range(5):
        malformed = client.post("/api/v1/auth/dev-login", json={"id_number": 1})
        assert malformed.status_code == 422
    for _ in range(3):
        assert dev_login(client, "陈伯", wrong=True).status_code == 401
    # Now even the right name waits: the limit is on the address.
    assert_refused_in_chinese(dev_login(client, "陈伯"), json=True)
    assert [e.details["scope"] for e in rate_limited_events(limited)] == [
        "citizen-login"
    ]


def test_one_time_codes_are_limited_together(limited: Flask, client) -> None:
    auth = {"Authorization": f"Bearer {dev_login(client, '陈伯').json['token']}"}
    guesses = [
        client.post("/api/v1/kiosk-login", json={"code": "x" * 22}, headers=auth),
        client.post("/api/v1/handoff/claim", json={"code": "y" * 22}, headers=auth),
        client.post("/api/v1/kiosk-login", json={"code": "z" * 22}, headers=auth),
    ]
    assert [g.status_code for g in guesses] == [404, 404, 404]
    assert_refused_in_chinese(
        client.post("/api/v1/handoff/claim", json={"code": "w" * 22}, headers=auth),
        json=True,
    )
    # Without a login the 401 comes first and guesses nothing.
    assert client.post("/api/v1/kiosk-login", json={"code": "v"}).status_code == 401


def test_verification_counts_every_request_on_both_forms(limited: Flask, client):
    token = "C" * 43
    codes = [client.get(f"/verify/{token}").status_code for _ in range(2)]
    codes.append(client.get(f"/api/v1/verify/{token}").status_code)
    assert codes == [404, 404, 404]
    assert_refused_in_chinese(client.get(f"/verify/{token}"), json=False)
    assert_refused_in_chinese(client.get(f"/api/v1/verify/{token}"), json=True)
    assert len(rate_limited_events(limited)) == 1


# ------------------------------------------------------------------ kiosk PIN

TERMINAL = "LH-T-001"
PINS = {"陈志明": "135792", "黄妙钿": "246813"}  # two window operators' cards
WRONG_PIN = "975319"


@pytest.fixture
def hall(limited: Flask) -> Flask:
    """A kiosk terminal and two operators enrolled to assist there; the PIN
    limit stays at its configured 10 a minute."""
    limited.config["KIOSK_TERMINAL"] = TERMINAL
    with limited.app_context():
        now = utcnow()
        terminals.register(
            TERMINAL, name="测试终端", location="金霞街道", now=now, actor="t"
        )
        for n, (name, pin) in enumerate(PINS.items()):
            account, _ = staff.create_account(
                f"hall.op{n}",
                display_name=name,
                role="operator",
                department_code="lh-mz",
                password="correct horse battery",
                now=now,
                actor="test",
            )
            enrol(
                account,
                id_number=PERSON[name].id_number,
                pin=pin,
                pepper=limited.extensions["miaopi.card_pepper"],
                now=now,
            )
        db.session.commit()
    return limited


def staff_card_on(app: Flask, client: FlaskClient, name: str) -> str:
    """``name`` puts their card on the reader at the staff sign-in; return
    the screen's CSRF token for the PIN."""
    with app.app_context():
        terminal = kiosk.terminal_by_code(TERMINAL)
        card = {"card_type": "resident", "id_number": PERSON[name].id_number}
        card |= {"name": name, "sex": "M", "birth_date": "1970-01-01"}
        kiosk.card_inserted(terminal, card, now=utcnow())
        db.session.commit()
        seq = terminal.card_seq
    page = client.get("/kiosk/assist").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    answer = client.post(
        "/kiosk/assist/card", data={"card_seq": seq}, headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return token


def enter_pin(client: FlaskClient, token: str, pin: str, **kwargs):
    return client.post(
        "/kiosk/assist/pin", data={"pin": pin}, headers={"X-CSRFToken": token}, **kwargs
    )


def test_wrong_kiosk_pins_are_limited_per_address(hall: Flask) -> None:
    # Two staff members at one terminal (one address), neither reaching the
    # 10 failures that throttle an account on its own.
    chen, huang = hall.test_client(), hall.test_client()
    chen_token = staff_card_on(hall, chen, "陈志明")
    huang_token = staff_card_on(hall, huang, "黄妙钿")
    for _ in range(5):
        assert enter_pin(chen, chen_token, WRONG_PIN).status_code == 401
    for _ in range(4):
        assert enter_pin(huang, huang_token, WRONG_PIN).status_code == 401
    # Right PINs are not counted: three sign-ins, then the 10th failure.
    for _ in range(3):
        assert enter_pin(huang, huang_token, PINS["黄妙钿"]).status_code == 302
        huang_token = staff_card_on(hall, huang, "黄妙钿")
    assert enter_pin(huang, huang_token, WRONG_PIN).status_code == 401
    # The 11th failure within the minute is refused, on the PIN page (its
    # way back to the welcome screen kept), and then even the right PIN.
    refused = enter_pin(chen, chen_token, WRONG_PIN)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    page = refused.get_data(as_text=True)
    assert refused.mimetype == "text/html" and "登录失败次数过多，请稍后再试" in page
    assert 'name="pin"' in page and "/kiosk/" in page
    assert enter_pin(chen, chen_token, PINS["陈志明"]).status_code == 429
    (event,) = rate_limited_events(hall)
    assert event.details["scope"] == "kiosk-pin"
    assert event.target == "endpoint:kiosk.assist_pin_check"
    # Another terminal's address has a budget of its own, and the account
    # still takes a PIN from there (its own throttle is not reached).
    elsewhere = {"environ_base": {"REMOTE_ADDR": "10.1.2.3"}}
    assert enter_pin(chen, chen_token, WRONG_PIN, **elsewhere).status_code == 401
    assert enter_pin(chen, chen_token, PINS["陈志明"], **elsewhere).status_code == 302


# ------------------------------------------------------------------ Redis


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test run on the Redis server, removed afterwards.

    Redis is a component of the central role: missing, this skips on a
    developer's machine and fails in CI.
    """
    import redis

    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        server.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {REDIS_URL} unavailable: {exc}")
    prefix = f"miaopi-test-{secrets.token_hex(6)}"
    try:
        yield prefix
    finally:
        stale = list(server.scan_iter(match=f"*{prefix}*"))
        if stale:
            server.delete(*stale)
        server.close()


def test_workers_share_the_counts_through_redis(redis_prefix: str) -> None:
    import redis

    settings = {
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
    }
    one, two = limited_app(**settings), limited_app(**settings)  # two workers
    for worker in (one, two, one):
        answer = worker.test_client().post("/api/v1/staff/login", json=WRONG_STAFF)
        assert answer.status_code == 401
    refused = two.test_client().post("/api/v1/staff/login", json=WRONG_STAFF)
    assert_refused_in_chinese(refused, json=True)
    server = redis.Redis.from_url(REDIS_URL)
    try:
        keys = [k.decode() for k in server.scan_iter(match=f"*{redis_prefix}*")]
    finally:
        server.close()
    # The counts are in Redis, not in a worker's memory fallback.
    assert keys and all("staff-login" in k for k in keys), keys
    for app in (one, two):
        with app.app_context():
            db.engine.dispose()
