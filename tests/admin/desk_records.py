"""Records the console's work queues show, made through the mobile API: shared
by their tests and the console matrix (no import of the test modules)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import create_draft, dev_login

CLAIMED = "13900139000"


def correction_request(app: Flask, client: FlaskClient, persona="陈伯") -> str:
    """File a correction of the prefilled phone (社保) on a 高龄津贴 draft of
    区民政局; return the request's public id."""
    auth = dev_login(client, persona)
    detail = create_draft(client, auth, "aged-allowance")
    response = client.post(
        f"/api/v1/applications/{detail['id']}/corrections",
        json={"field": "phone", "claimed_value": CLAIMED, "reason": "已换号码"},
        headers=auth,
    )
    assert response.status_code == 201, response.json
    return response.json["id"]
