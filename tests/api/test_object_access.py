"""Object-level authorisation (IDOR/BOLA) on every route that takes an id.

Citizen A (陈伯) has a draft with an uploaded page. Citizen B (林秀娥, his wife,
same household, eligible for the same item) tries every route under
``/api/v1/applications/<application_id>`` with every verb it answers. Each
must say 404 in the API's error shape, exactly as for an id that does not
exist, and change nothing at all.

The routes come from ``app.url_map``: a new ``{application_id}`` route fails
:func:`test_every_application_route_has_a_request_here` until it has a line in
:func:`_requests`, and is then swept by every test below.
"""

from __future__ import annotations

import io
import json
import re
import secrets
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from govcore.applications import Application
from govcore.clock import utcnow
from govcore.db import db
from govcore.identity import KIOSK_POLICY, Identity, open_session
from tests.api.conftest import PERSON, create_draft, dev_login

ONE = "/api/v1/applications/<string:application_id>"
UPLOADS = f"{ONE}/materials/<string:material_code>/uploads"
UPLOAD = f"{ONE}/uploads/<string:upload_id>"
DOCUMENT_PDF = f"{ONE}/documents/<string:document_id>/pdf"
ITEM = "aged-allowance"
VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^:<>]+)>")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), "white").save(out, "PNG")
    return out.getvalue()


def _requests() -> dict[tuple[str, str], dict[str, Any]]:
    """What to send on each (rule, verb): a request the route would accept.

    Bodies are valid, so a 404 is the object check speaking, not the schema
    (request bodies are parsed before the token is looked at). Made afresh on
    each call: a multipart file can be sent once only.
    """
    return {
        (ONE, "GET"): {},
        (ONE, "HEAD"): {},
        (ONE, "PATCH"): {"json": {"fields": {"phone": "13800138000"}}},
        (UPLOADS, "POST"): {"data": {"file": (io.BytesIO(_png()), "page.png")}},
        (UPLOAD, "GET"): {},
        (UPLOAD, "HEAD"): {},
        (UPLOAD, "DELETE"): {},
        (f"{ONE}/commitment", "GET"): {},
        (f"{ONE}/commitment", "HEAD"): {},
        (f"{ONE}/commitment", "POST"): {
            "json": {"text_sha256": "0" * 64, "consent": {"confirmed": True}}
        },
        (f"{ONE}/submit", "POST"): {
            "headers": {"Idempotency-Key": secrets.token_hex(8)}
        },
        (f"{ONE}/corrections", "POST"): {
            "json": {"field": "phone", "claimed_value": "13900139000", "reason": "换号"}
        },
        (f"{ONE}/review-request", "POST"): {"json": {"reason": "请人工复核"}},
        (f"{ONE}/handoff", "POST"): {},
        (f"{ONE}/documents", "GET"): {},
        (f"{ONE}/documents", "HEAD"): {},
        (DOCUMENT_PDF, "GET"): {},
        (DOCUMENT_PDF, "HEAD"): {},
    }


def _id_rules(app: Flask) -> set[tuple[str, str]]:
    """Every (rule, verb) of the API that takes an application id."""
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        and (
            "application_id" in rule.arguments
            or rule.rule.startswith("/api/v1/applications/<")
        )
        for method in rule.methods - {"OPTIONS"}
    }


def _url(rule: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        assert match.group(1) in values, f"no value for <{match.group(1)}> in {rule}"
        return values[match.group(1)]

    return VARIABLE.sub(value, rule)


def _send(
    client: FlaskClient,
    rule: str,
    method: str,
    values: dict[str, str],
    auth: dict[str, str],
):
    kwargs = _requests()[rule, method]
    headers = {**auth, **kwargs.pop("headers", {})}
    return client.open(_url(rule, values), method=method, headers=headers, **kwargs)


def _kiosk_login(app: Flask, name: str) -> dict[str, str]:
    persona = PERSON[name]
    with app.app_context():
        token, _ = open_session(
            Identity(persona.id_number, persona.name, "idcard", persona.id_number),
            channel="kiosk",
            terminal_id="LH-K01",
            now=utcnow(),
            policy=KIOSK_POLICY,
        )
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _a_with_a_page(client: FlaskClient) -> tuple[dict[str, str], dict, dict]:
    """陈伯's login, his draft, and a page he uploaded to it."""
    owner = dev_login(client, "陈伯")
    draft = create_draft(client, owner, ITEM)
    upload = client.post(
        f"/api/v1/applications/{draft['id']}/materials/mandate/uploads",
        data={"file": (io.BytesIO(_png()), "mandate.png")},
        headers=owner,
    )
    assert upload.status_code == 201, upload.json
    return owner, draft, upload.json


def _snapshot(app: Flask, client: FlaskClient, owner: dict, draft: dict, upload: dict):
    """Everything B could have touched: A's rows, every table's size, A's file."""
    with app.app_context():
        application = db.session.scalars(
            sa.select(Application).where(Application.public_id == draft["id"])
        ).one()
        rows = {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        state = {
            "application": (
                application.status,
                application.updated_at,
                application.submitted_at,
                application.channel,
                application.applicant_id_number,
                application.agent_id_number,
            ),
            "values": [
                (v.key, json.dumps(v.value), v.origin, v.locked, v.updated_at)
                for v in application.values
            ],
            "materials": [
                (m.public_id, m.material_code, m.kind, m.file_name, m.sha256, m.size)
                for m in application.materials
            ],
            "history": [
                (c.id, c.from_status, c.to_status, c.actor, c.channel, c.at)
                for c in application.history
            ],
            "rows": rows,
        }
    detail = client.get(f"/api/v1/applications/{draft['id']}", headers=owner)
    served = client.get(upload["url"], headers=owner)
    assert detail.status_code == 200 and served.status_code == 200
    return state, detail.json, served.data


def _assert_not_found(response, method: str, what: str) -> None:
    assert response.status_code == 404, (what, response.status_code, response.data)
    if method == "HEAD":
        return  # no body to a HEAD
    assert response.is_json, what
    body = response.json
    assert {"code", "message", "status"} <= set(body), (what, body)
    assert body["status"] == 404 and body["code"] == "not_found", (what, body)
    assert body["message"], what


def test_every_application_route_has_a_request_here(app: Flask) -> None:
    rules = _id_rules(app)
    table = set(_requests())
    assert not rules - table, f"routes without a request in _requests: {rules - table}"
    assert not table - rules, f"requests for routes that are gone: {table - rules}"


@pytest.mark.parametrize("channel", ["mobile", "kiosk"])
def test_another_persons_application_is_404_on_every_route_and_verb(
    world: Flask, client: FlaskClient, channel: str
) -> None:
    owner, draft, upload = _a_with_a_page(client)
    if channel == "mobile":
        stranger = dev_login(client, "林秀娥")
    else:
        stranger = _kiosk_login(world, "林秀娥")
    before = _snapshot(world, client, owner, draft, upload)
    theirs = {
        "application_id": draft["id"],
        "upload_id": upload["id"],
        "material_code": "mandate",
        "document_id": secrets.token_hex(16),
    }
    nobodys = {**theirs, "application_id": secrets.token_hex(16)}
    for rule, method in sorted(_id_rules(world)):
        response = _send(client, rule, method, theirs, stranger)
        _assert_not_found(response, method, f"{method} {rule}")
        # Indistinguishable from an id that does not exist: a guess learns nothing.
        missing = _send(client, rule, method, nobodys, stranger)
        assert missing.status_code == response.status_code
        if method != "HEAD":
            assert (missing.json["code"], missing.json["message"]) == (
                response.json["code"],
                response.json["message"],
            ), f"{method} {rule}"
    assert _snapshot(world, client, owner, draft, upload) == before


def test_anothers_upload_id_under_ones_own_application_is_404(
    world: Flask, client: FlaskClient
) -> None:
    owner, draft, upload = _a_with_a_page(client)
    stranger = dev_login(client, "林秀娥")
    mine = create_draft(client, stranger, ITEM)
    before = _snapshot(world, client, owner, draft, upload)
    values = {"application_id": mine["id"], "upload_id": upload["id"]}
    for method in ("GET", "HEAD", "DELETE"):
        response = _send(client, UPLOAD, method, values, stranger)
        _assert_not_found(response, method, f"{method} own app, A's upload")
    assert _snapshot(world, client, owner, draft, upload) == before


def test_anothers_application_is_not_in_ones_list(
    world: Flask, client: FlaskClient
) -> None:
    _, draft, _ = _a_with_a_page(client)
    stranger = dev_login(client, "林秀娥")
    mine = create_draft(client, stranger, ITEM)
    listed = client.get("/api/v1/applications", headers=stranger)
    assert listed.status_code == 200
    ids = [a["id"] for a in listed.json["applications"]]
    assert ids == [mine["id"]]
    assert draft["id"] not in ids
    assert draft["reference_no"] not in listed.get_data(as_text=True)


def _logged_out(client: FlaskClient) -> dict[str, str]:
    """The owner's own token, after logging out."""
    auth = dev_login(client, "陈伯")
    assert client.post("/api/v1/auth/logout", headers=auth).status_code == 204
    return auth


TOKENS = {
    "no token": lambda client: {},
    "empty bearer": lambda client: {"Authorization": "Bearer "},
    "other scheme": lambda client: {"Authorization": "Basic Y2hlbmJvOnB3"},
    "unknown token": lambda client: {
        "Authorization": f"Bearer {secrets.token_hex(32)}"
    },
    "logged-out token": _logged_out,
}


@pytest.mark.parametrize("token", list(TOKENS))
def test_every_route_without_a_live_token_is_401(
    world: Flask, client: FlaskClient, token: str
) -> None:
    owner, draft, upload = _a_with_a_page(client)
    auth = TOKENS[token](client)
    before = _snapshot(world, client, owner, draft, upload)
    values = {
        "application_id": draft["id"],
        "upload_id": upload["id"],
        "material_code": "mandate",
        "document_id": secrets.token_hex(16),
    }
    for rule, method in sorted(_id_rules(world)):
        response = _send(client, rule, method, values, auth)
        what = f"{method} {rule} with {token}"
        assert response.status_code == 401, (what, response.status_code)
        assert response.headers.get("WWW-Authenticate") == "Bearer", what
        assert response.headers.get("Cache-Control") == "no-store", what
        if method != "HEAD":
            assert response.json["code"] == "unauthenticated", what
            assert {"code", "message", "status"} <= set(response.json), what
    assert _snapshot(world, client, owner, draft, upload) == before


def _application_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Application.id)))


def test_server_owned_fields_cannot_be_set_on_create(
    world: Flask, client: FlaskClient
) -> None:
    auth = dev_login(client, "陈伯")
    response = client.post(
        "/api/v1/applications",
        json={
            "item_code": ITEM,
            "status": "approved",
            "reference_no": "LH20261128000001",
            "id": "0" * 32,
        },
        headers=auth,
    )
    assert response.status_code == 422, response.json
    assert {"code", "message", "status"} <= set(response.json)
    assert {"status", "reference_no", "id"} <= set(response.json["errors"])
    assert "item_code" not in response.json["errors"]
    assert _application_count(world) == 0
    assert client.get("/api/v1/applications", headers=auth).json == {"applications": []}


@pytest.mark.parametrize(
    "body",
    [
        {"fields": {"phone": "13800138000"}, "status": "approved"},
        {"fields": {}, "applicant_id_number": PERSON["林秀娥"].id_number},
        {"status": "approved"},
    ],
    ids=["status", "applicant", "no-fields"],
)
def test_patch_takes_fields_and_nothing_else(
    world: Flask, client: FlaskClient, body: dict
) -> None:
    auth = dev_login(client, "陈伯")
    draft = create_draft(client, auth, ITEM)
    url = f"/api/v1/applications/{draft['id']}"
    response = client.patch(url, json=body, headers=auth)
    assert response.status_code == 422, response.json
    assert {"code", "message", "status"} <= set(response.json)
    for key in set(body) - {"fields"}:
        assert key in response.json["errors"], (key, response.json)
    after = client.get(url, headers=auth).json
    assert after["status"] == "draft"
    assert after["updated_at"] == draft["updated_at"]
    assert after["fields"] == draft["fields"]
