"""Schemathesis fuzzes the mobile API against its own OpenAPI document.

The document is loaded from the WSGI app (``GET /api/v1/openapi.json``) and
every operation in it becomes a test of its own (examples, fuzzing and
coverage phases; valid and invalid data), each request sent with the bearer
token of the sandbox persona 陈伯. Part of the time the generated values are
swapped for real ones, so that requests get past the lookups: path parameters
become 陈伯's ``aged-allowance`` draft, a page uploaded to it, an item code or
a material code; bodies get real item codes, form field keys, persona
identities and organisations. No answer may be a server error, and answers
must match the document (status code, content type, body schema).

SQLite only: the module builds one app on in-memory SQLite (``make_test_app``
and ``db.create_all()``, as the ``sqlite_app`` fixture does) and is not
parametrised over PostgreSQL; the fuzz run is about the HTTP layer. The app
is made at import time because Schemathesis builds one test per operation at
collection; ``schemathesis.pytest.from_fixture`` would avoid that, but in
schemathesis 4.32.5 it fails on pytest 9.2 (it uses the removed
``Node._nodeid``). The operations share the app, its world and the draft, and
run in document order (so ``submit`` sees a draft the earlier tests edited).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from govcore.db import db
from tests.api.conftest import ORG, PERSON, create_draft, dev_login, load_world
from tests.conftest import make_test_app

PERSONA = "陈伯"
ITEM = "aged-allowance"
ONE = "/api/v1/applications/{application_id}"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

APP = make_test_app("sqlite://")
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)
# Real values, filled by the ``target`` fixture: by path parameter name, and
# by (method, path) for the body properties of an operation.
REAL_PATH: dict[str, list[str]] = {}
REAL_BODY: dict[tuple[str, str], dict[str, list[Any]]] = {}
IDEMPOTENCY_KEYS = count()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return out.getvalue()


def _principal(name: str) -> dict[str, str]:
    return {"id_number": PERSON[name].id_number, "name": name, "relation": "子女"}


@pytest.fixture(scope="module")
def target() -> Iterator[dict[str, str]]:
    """The world, 陈伯 logged in with a draft and one uploaded page.

    Yields 陈伯's Authorization header.
    """
    with APP.app_context():
        db.create_all()
    load_world(APP)
    client = APP.test_client()
    auth = dev_login(client, PERSONA)
    draft = create_draft(client, auth, ITEM)
    upload = client.post(
        f"/api/v1/applications/{draft['id']}/materials/mandate/uploads",
        data={"file": (io.BytesIO(_png()), "mandate.png")},
        headers=auth,
        content_type="multipart/form-data",
    )
    # Without a stored page, upload_id stays random; the fuzz run of the
    # upload operation itself reports why the upload failed.
    uploads = [upload.json["id"]] if upload.status_code == 201 else []
    items = [i["code"] for i in client.get("/api/v1/items").json["items"]]
    fields = [f["key"] for f in draft["fields"]]
    REAL_PATH.update(
        application_id=[draft["id"]],
        code=items,
        material_code=[m["code"] for m in draft["materials"]],
        upload_id=uploads,
    )
    REAL_BODY.update(
        {
            ("POST", "/api/v1/auth/dev-login"): {
                "id_number": [PERSON[PERSONA].id_number],
                "name": [PERSONA],
            },
            ("POST", "/api/v1/applications"): {
                "item_code": items,
                "organisation": [o.credit_code for o in ORG.values()],
                "on_behalf_of": [_principal("林秀娥"), _principal("沈德茂")],
            },
            ("PATCH", ONE): {"fields": [{key: None} for key in fields]},
            ("POST", ONE + "/corrections"): {"field": fields},
        }
    )
    yield auth
    REAL_PATH.clear()
    REAL_BODY.clear()
    with APP.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _sometimes_real(
    generated: dict[str, Any], real: dict[str, list[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """``generated`` as is, or with real values for some of its keys."""
    known = {key: real[key] for key in generated if real.get(key)}
    if not known:
        return st.just(generated)
    swapped = st.fixed_dictionaries(
        {key: st.sampled_from(values) for key, values in known.items()}
    )
    return st.one_of(st.just(generated), swapped.map(lambda r: {**generated, **r}))


@schema.hook("flatmap_path_parameters")
def real_objects_in_paths(
    context: schemathesis.HookContext, path_parameters: dict[str, Any] | None
) -> st.SearchStrategy[Any]:
    return _sometimes_real(path_parameters or {}, REAL_PATH)


@schema.hook("flatmap_body")
def real_values_in_bodies(
    context: schemathesis.HookContext, body: Any
) -> st.SearchStrategy[Any]:
    operation = context.operation
    assert operation is not None
    real = REAL_BODY.get((operation.method.upper(), operation.path))
    if not real or not isinstance(body, dict):
        return st.just(body)
    if "fields" in real and isinstance(body.get("fields"), dict):
        # PATCH: real field keys, the generated values
        values = list(body["fields"].values()) or [None]
        keys = st.lists(st.sampled_from(sorted(k for d in real["fields"] for k in d)))
        return st.one_of(
            st.just(body),
            keys.map(
                lambda ks: {
                    **body,
                    "fields": {k: values[i % len(values)] for i, k in enumerate(ks)},
                }
            ),
        )
    return _sometimes_real(body, real)


@schema.parametrize()
@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_server_errors_and_answers_as_documented(
    case: schemathesis.Case, target: dict[str, str]
) -> None:
    headers = dict(target)
    if case.operation.path == "/api/v1/auth/logout":
        headers = dev_login(APP.test_client(), PERSONA)  # a token to throw away
    if case.operation.path.endswith("/submit"):
        # Required but undocumented: without it every submit is a 400.
        headers["Idempotency-Key"] = f"fuzz-{next(IDEMPOTENCY_KEYS)}"
    case.call_and_validate(headers=headers, checks=CHECKS)
