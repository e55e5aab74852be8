"""The mini-program login through the API, against a fake platform on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import world_app
from tests.integration.test_identity_miniprogram import (
    APP_ID,
    SECRET,
    SESSION_KEY,
    FakePlatform,
    make_code,
)


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def mp_app(platform: FakePlatform) -> Iterator[Flask]:
    with world_app(
        "sqlite://",
        AUTH_DEV_LOGIN=False,
        MINIPROGRAM_SESSION_URL=platform.session_url,
        MINIPROGRAM_APP_ID=APP_ID,
        MINIPROGRAM_APP_SECRET=SECRET,
    ) as app:
        yield app


def test_a_code_logs_in_once_and_never_reveals_the_session_key(
    mp_app, platform
) -> None:
    client = mp_app.test_client()
    code = make_code("ok")
    first = client.post("/api/v1/auth/miniprogram-login", json={"code": code})
    assert first.status_code == 201, first.json
    body = first.get_data(as_text=True)
    assert SESSION_KEY not in body and "openid" not in body
    assert first.json["user"]["provider"] == "miniprogram"
    auth = {"Authorization": f"Bearer {first.json['token']}"}
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    again = client.post("/api/v1/auth/miniprogram-login", json={"code": code})
    assert again.status_code == 401
    assert again.json["code"] == "login_code_used"
    assert platform.contacts(code) == 1


def test_platform_down_is_503(mp_app, platform) -> None:
    response = mp_app.test_client().post(
        "/api/v1/auth/miniprogram-login", json={"code": make_code("500")}
    )
    assert response.status_code == 503
    assert response.json["code"] == "identity_provider_unavailable"


def test_dev_login_is_absent_when_off(mp_app) -> None:
    response = mp_app.test_client().post(
        "/api/v1/auth/dev-login", json={"id_number": "x", "name": "y"}
    )
    assert response.status_code == 404
