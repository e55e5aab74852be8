"""Object-level authorisation: another person's application answers 404 on
every route and verb, and nothing changes."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image

from govcore.applications import Application, StatusChange
from govcore.db import db
from tests.api.conftest import create_draft


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(out, "PNG")
    return out.getvalue()


def _requests(application_id: str, upload_id: str) -> list[tuple[str, str, dict]]:
    one = f"/api/v1/applications/{application_id}"
    return [
        ("GET", one, {}),
        ("PATCH", one, {"json": {"fields": {"phone": "13800138000"}}}),
        ("POST", f"{one}/materials/mandate/uploads",
         {"data": {"file": (io.BytesIO(_png()), "x.png")}}),
        ("GET", f"{one}/uploads/{upload_id}", {}),
        ("DELETE", f"{one}/uploads/{upload_id}", {}),
        ("GET", f"{one}/commitment", {}),
        ("POST", f"{one}/commitment",
         {"json": {"text_sha256": "0" * 64, "consent": {"confirmed": True}}}),
        ("POST", f"{one}/submit", {"headers": {"Idempotency-Key": "b"}}),
        ("POST", f"{one}/corrections",
         {"json": {"field": "phone", "claimed_value": "x", "reason": "y"}}),
        ("POST", f"{one}/handoff", {}),
        ("POST", f"{one}/review-request", {"json": {"reason": "x"}}),
    ]  # fmt: skip


def _snapshot(app, public_id: str) -> tuple:
    with app.app_context():
        application = db.session.scalars(
            sa.select(Application).where(Application.public_id == public_id)
        ).one()
        changes = db.session.scalar(sa.select(sa.func.count(StatusChange.id)))
        return (
            application.status,
            application.updated_at,
            sorted((v.key, str(v.value)) for v in application.values),
            sorted(m.public_id for m in application.materials),
            changes,
        )


def test_another_persons_application_is_not_found_everywhere(
    world, login, client
) -> None:
    owner = login("陈伯")
    draft = create_draft(client, owner, "aged-allowance")
    upload = client.post(
        f"/api/v1/applications/{draft['id']}/materials/mandate/uploads",
        data={"file": (io.BytesIO(_png()), "m.png")},
        headers=owner,
    ).json
    stranger = login("林秀娥")
    before = _snapshot(world, draft["id"])
    requests = _requests(draft["id"], upload["id"])
    rules = {
        (rule.rule, method)
        for rule in world.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/applications/<")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert len(rules) == len(requests), "a new {id} route needs a line here"
    for method, url, kwargs in requests:
        headers = {**stranger, **kwargs.pop("headers", {})}
        response = client.open(url, method=method, headers=headers, **kwargs)
        assert response.status_code == 404, (method, url, response.json)
        assert {"code", "message", "status"} <= set(response.json)
    assert _snapshot(world, draft["id"]) == before
    served = client.get(upload["url"], headers=owner)
    assert served.status_code == 200  # the owner still has the file
    mine = client.get("/api/v1/applications", headers=stranger).json
    assert mine["applications"] == []


def test_without_a_token_every_route_is_401(world, login, client) -> None:
    draft = create_draft(client, login("陈伯"), "aged-allowance")
    for method, url, kwargs in _requests(draft["id"], "0" * 32):
        kwargs.pop("headers", None)
        response = client.open(url, method=method, **kwargs)
        assert response.status_code == 401, (method, url)
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_server_owned_fields_are_rejected(world, login, client) -> None:
    auth = login("陈伯")
    response = client.post(
        "/api/v1/applications",
        json={"item_code": "aged-allowance", "status": "approved",
              "reference_no": "LH1", "id": "x"},
        headers=auth,
    )  # fmt: skip
    assert response.status_code == 422
    assert {"status", "reference_no", "id"} <= set(response.json["errors"])
    with world.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0
    draft = create_draft(client, auth, "aged-allowance")
    patch = client.patch(
        f"/api/v1/applications/{draft['id']}",
        json={"fields": {}, "status": "approved"},
        headers=auth,
    )
    assert patch.status_code == 422 and "status" in patch.json["errors"]
