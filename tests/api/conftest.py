"""The mobile API against the catalogue and the sandbox personas.

``world`` loads the 25 catalogue items and the sandbox personas (no random
extra people, so every test sees the same registry) into the app's database,
on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from govcore import catalog
from govcore.clock import local_date, utcnow
from govcore.datahub.sandbox.personas import ORGANISATION_PERSONAS, PERSONAS
from govcore.datahub.sandbox.service import generate_into_sandbox

CATALOG = Path(__file__).resolve().parents[2] / "catalog"
PERSON = {p.name: p for p in PERSONAS}
ORG = {o.name: o for o in ORGANISATION_PERSONAS}


def load_world(app: Flask) -> None:
    with app.app_context():
        now = utcnow()
        catalog.load_catalog(catalog.read_catalog(CATALOG), now=now)
        generate_into_sandbox(0, seed=1, today=local_date(now), now=now)


@pytest.fixture
def world(app: Flask) -> Flask:
    load_world(app)
    return app


Login = Callable[[str], dict[str, str]]


def dev_login(client: FlaskClient, name: str) -> dict[str, str]:
    """Log a persona in; return the Authorization header."""
    persona = PERSON[name]
    response = client.post(
        "/api/v1/auth/dev-login",
        json={"id_number": persona.id_number, "name": persona.name},
    )
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


@pytest.fixture
def login(world: Flask, client: FlaskClient) -> Login:
    return lambda name: dev_login(client, name)


def scanned_page(size: tuple[int, int] = (100, 140)) -> bytes:
    """A blank white JPEG, as a scanned page of a material."""
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "JPEG")
    return out.getvalue()


def upload_missing(
    client: FlaskClient,
    url: str,
    materials: Iterable[dict],
    auth: dict[str, str],
    *,
    states: tuple[str, ...] = ("missing",),
    page: bytes | None = None,
) -> None:
    """Upload a scanned page for every material of the application at ``url``
    (``/api/v1/applications/<id>``) whose state is one of ``states``."""
    for material in materials:
        if material["state"] in states:
            response = client.post(
                f"{url}/materials/{material['code']}/uploads",
                data={"file": (io.BytesIO(page or scanned_page()), "scan.jpg")},
                headers=auth,
            )
            assert response.status_code == 201, (material["code"], response.json)


def create_draft(client: FlaskClient, auth: dict[str, str], item: str, **body):
    response = client.post(
        "/api/v1/applications", json={"item_code": item, **body}, headers=auth
    )
    assert response.status_code == 201, response.json
    return response.json


def field(detail: dict, key: str) -> dict:
    return next(f for f in detail["fields"] if f["key"] == key)


def material(detail: dict, code: str) -> dict:
    return next(m for m in detail["materials"] if m["code"] == code)


def criminal_record_certificate(client: FlaskClient, auth: dict[str, str]) -> dict:
    """无犯罪记录证明 (龙湖公安分局) applied for on the phone; return the
    submit answer, asserted approved."""
    detail = create_draft(client, auth, "no-criminal-record-certificate")
    client.patch(
        f"/api/v1/applications/{detail['id']}",
        json={"fields": {"purpose": "就业"}},
        headers=auth,
    )
    result = client.post(
        f"/api/v1/applications/{detail['id']}/submit",
        headers={**auth, "Idempotency-Key": "ncr"},
    ).json
    assert result["status"] == "approved", result
    return result
