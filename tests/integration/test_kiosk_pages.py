"""The kiosk's server side without a browser: the screen bound to its
terminal, the session a card starts and what ends it, shared-device hygiene
(no-store, Clear-Site-Data, CSRF), and whose applications a session sees.

The browser flows are in tests/kiosk/.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from govcore import terminals
from govcore.clock import utcnow
from govcore.datahub.sandbox.personas import PERSONAS
from govcore.db import db
from govcore.identity.sessions import UserSession
from govcore.terminals import kiosk
from tests.api.conftest import load_world

TERMINAL = "LH-T-001"
PERSON = {p.name: p.id_number for p in PERSONAS}


@pytest.fixture
def world(app: Flask) -> Flask:
    load_world(app)
    app.config["KIOSK_TERMINAL"] = TERMINAL
    with app.app_context():
        terminals.register(
            TERMINAL, name="测试终端", location="金霞街道", now=utcnow(), actor="t"
        )
        db.session.commit()
    return app


def card_on(app: Flask, name: str, **extra: str) -> int:
    """The agent reported ``name``'s card; return the card's sequence number."""
    with app.app_context():
        terminal = kiosk.terminal_by_code(TERMINAL)
        kiosk.card_inserted(
            terminal,
            {
                "card_type": "resident",
                "id_number": PERSON[name],
                "name": name,
                "sex": "M",
                "birth_date": "1944-01-15",
                "valid_to": None,
                **extra,
            },
            now=utcnow(),
        )
        db.session.commit()
        return terminal.card_seq


def card_off(app: Flask) -> None:
    with app.app_context():
        kiosk.card_removed(kiosk.terminal_by_code(TERMINAL), now=utcnow())
        db.session.commit()


def token(client: FlaskClient, path: str = "/kiosk/") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def begin(app: Flask, client: FlaskClient, name: str = "陈伯"):
    seq = card_on(app, name)
    answer = client.post(
        "/kiosk/start", data={"card_seq": seq}, headers={"X-CSRFToken": token(client)}
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer


def test_a_screen_without_a_terminal_serves_nothing(app: Flask, client) -> None:
    response = client.get("/kiosk/")
    assert response.status_code == 503 and "暂停服务" in response.get_data(True)
    app.config["KIOSK_TERMINAL"] = "LH-NOT-REGISTERED"
    assert client.get("/kiosk/").status_code == 503


def test_the_terminal_can_come_from_the_proxy_header(world: Flask, client) -> None:
    world.config.update(KIOSK_TERMINAL=None, KIOSK_TERMINAL_HEADER="X-Kiosk-Terminal")
    assert client.get("/kiosk/").status_code == 503
    response = client.get("/kiosk/", headers={"X-Kiosk-Terminal": TERMINAL})
    assert response.status_code == 200


def test_a_card_starts_a_session_that_lists_only_kiosk_items(world, client) -> None:
    poll = client.get("/kiosk/poll").json
    assert poll["card_waiting"] is False and poll["session"]["live"] is False
    seq = card_on(world, "陈伯")
    assert client.get("/kiosk/poll").json["card_waiting"] is True
    answer = begin_with(client, seq)
    assert answer.json["next"] == "/kiosk/home"
    home = client.get("/kiosk/home")
    page = home.get_data(as_text=True)
    assert home.status_code == 200 and "高龄老人津贴申领" in page
    assert "土地" not in page  # the dispute ruling is a counter-only item
    assert "陈*" in page and PERSON["陈伯"] not in page
    with world.app_context():
        terminal = kiosk.terminal_by_code(TERMINAL)
        assert terminal.card is None  # the card's data left the terminal row
        session = db.session.scalars(sa.select(UserSession)).one()
        assert (session.channel, session.terminal_id) == ("kiosk", TERMINAL)


def begin_with(client: FlaskClient, seq: int):
    return client.post(
        "/kiosk/start", data={"card_seq": seq}, headers={"X-CSRFToken": token(client)}
    )


def test_posts_need_the_csrf_token(world, client) -> None:
    seq = card_on(world, "陈伯")
    refused = client.post("/kiosk/start", data={"card_seq": seq})
    assert refused.status_code == 400
    assert client.get("/kiosk/home").status_code == 302  # no session started


def test_a_stale_card_number_or_an_expired_card_starts_nothing(world, client) -> None:
    seq = card_on(world, "陈伯")
    stale = begin_with(client, seq - 1)
    assert stale.status_code == 409 and stale.json["code"] == "no_card"
    card_off(world)
    seq = card_on(world, "陈伯", valid_to="2020-01-01")
    expired = begin_with(client, seq)
    assert expired.status_code == 409 and expired.json["code"] == "card_expired"
    assert "有效期" in expired.json["error"]
    assert client.get("/kiosk/poll").json["card_waiting"] is False  # wiped


def test_every_page_is_no_store_and_the_end_clears_the_browser(world, client) -> None:
    begin(world, client)
    for path in (
        "/kiosk/",
        "/kiosk/home",
        "/kiosk/items/aged-allowance",
        "/kiosk/poll",
    ):
        response = client.get(path, follow_redirects=True)
        assert response.headers["Cache-Control"] == "no-store", path
    card_off(world)
    home = client.get("/kiosk/home")
    assert home.status_code == 302 and home.location.endswith("/kiosk/ended")
    ended = client.get("/kiosk/ended")
    assert "您已取走证件" in ended.get_data(as_text=True)
    assert ended.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert "陈*" not in ended.get_data(as_text=True)


def age_session(app: Flask, **changes: timedelta) -> None:
    with app.app_context():
        session = db.session.scalars(sa.select(UserSession)).one()
        for field, delta in changes.items():
            setattr(session, field, getattr(session, field) - delta)
        db.session.commit()


def test_the_server_ends_an_idle_session_and_polls_are_not_activity(
    world, client
) -> None:
    begin(world, client)
    age_session(world, last_seen_at=timedelta(seconds=100))
    poll = client.get("/kiosk/poll").json  # the screen polling on its own
    assert poll["session"]["live"] and poll["session"]["deadline_in"] <= 20
    age_session(world, last_seen_at=timedelta(seconds=25))
    assert client.get("/kiosk/home").location.endswith("/kiosk/ended")
    assert "长时间没有操作" in client.get("/kiosk/ended").get_data(as_text=True)


def test_the_session_ends_after_fifteen_minutes_whatever_happens(world, client) -> None:
    begin(world, client)
    age_session(world, expires_at=timedelta(minutes=15, seconds=1))
    assert client.get("/kiosk/home").location.endswith("/kiosk/ended")


def test_elder_mode_doubles_the_idle_time(world, client) -> None:
    begin(world, client)
    response = client.post(
        "/kiosk/prefs",
        data={"elder": "1", "next": "/kiosk/home", "csrf_token": token(client)},
    )
    assert response.location == "/kiosk/home"
    page = client.get("/kiosk/home").get_data(as_text=True)
    assert 'class="elder"' in page and 'data-idle="240"' in page
    assert "/kiosk/items?all=1" in page  # fewer sections, one way to all items
    everything = client.get("/kiosk/items?all=1").get_data(as_text=True)
    assert "全部事项" in everything and everything.count('class="tile"') == 20
    with world.app_context():
        assert db.session.scalars(sa.select(UserSession.idle_seconds)).one() == 240


def test_another_card_ends_the_first_persons_session(world, client) -> None:
    begin(world, client)
    card_on(world, "林秀娥")
    assert client.get("/kiosk/home").location.endswith("/kiosk/ended")
    page = client.get("/kiosk/ended").get_data(as_text=True)
    assert "换了一张证件" in page


def test_a_session_sees_only_its_holders_applications(world, client) -> None:
    begin(world, client, "陈伯")
    applied = client.post(
        "/kiosk/items/aged-allowance/apply", data={"csrf_token": token(client)}
    )
    form_url = applied.location
    assert re.fullmatch(r"/kiosk/a/[0-9a-f]{32}/form", form_url)
    assert client.get(form_url).status_code == 200
    card_off(world)
    other = world.test_client()
    begin(world, other, "林秀娥")
    assert other.get(form_url).status_code == 404


def test_the_back_office_channel_rules_hold_at_the_kiosk(world, client) -> None:
    begin(world, client)
    response = client.get("/kiosk/items/land-use-dispute-ruling")
    assert response.status_code == 404  # counter only


def phone_login(client: FlaskClient, name: str, code: str):
    login = client.post(
        "/api/v1/auth/dev-login", json={"id_number": PERSON[name], "name": name}
    ).json
    return client.post(
        "/api/v1/kiosk-login",
        json={"code": code},
        headers={"Authorization": f"Bearer {login['token']}"},
    )


def login_code(app: Flask, *, age: timedelta = timedelta()) -> str:
    with app.app_context():
        terminal = kiosk.terminal_by_code(TERMINAL)
        code = kiosk.login_code(terminal, now=utcnow() - age)
        db.session.commit()
        return code


def test_a_phone_login_starts_the_session_like_a_card(world, client) -> None:
    qr = client.get("/kiosk/login-qr")
    assert qr.mimetype == "image/svg+xml" and qr.headers["Cache-Control"] == "no-store"
    code = login_code(world)
    phone = world.test_client()
    answer = phone_login(phone, "陈伯", code)
    assert answer.status_code == 200 and answer.json["terminal"] == "测试终端"
    poll = client.get("/kiosk/poll").json
    assert poll["card_waiting"] is True
    assert begin_with(client, poll["card_seq"]).json["next"] == "/kiosk/home"
    assert "陈*" in client.get("/kiosk/home").get_data(as_text=True)
    again = phone_login(phone, "陈伯", code)
    assert again.status_code == 404  # one use


def test_a_phone_login_is_refused_while_the_kiosk_is_in_use(world, client) -> None:
    begin(world, client, "陈伯")
    refused = phone_login(world.test_client(), "林秀娥", login_code(world))
    assert refused.status_code == 409 and refused.json["code"] == "terminal_busy"
    assert "陈*" in client.get("/kiosk/home").get_data(as_text=True)


def test_an_old_login_code_does_not_work(world, client) -> None:
    old = login_code(world, age=timedelta(minutes=3))
    assert phone_login(world.test_client(), "陈伯", old).status_code == 404
    first = login_code(world)
    login_code(world)  # the screen renewed its QR: the first code is gone
    assert phone_login(world.test_client(), "陈伯", first).status_code == 404
