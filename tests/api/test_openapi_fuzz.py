"""Schemathesis fuzzes the mobile API against its own OpenAPI document.

The document is loaded from the WSGI app (``GET /api/v1/openapi.json``) and
every operation in it becomes a test of its own, run through Schemathesis'
examples, fuzzing and coverage phases (valid and invalid data alike), each
request sent with a bearer token of the sandbox persona 陈伯 (the ``logout``
operation gets a token of its own to end). Part of the time the generated
values are swapped for real ones so that requests get past the lookups: path
parameters become 陈伯's ``aged-allowance`` draft, a page uploaded to it, an
item code or a material code of the draft; bodies get real item codes, form
field keys, persona identities and organisations. No answer may be a server
error, and answers must match the document: status code, content type and
body schema.

SQLite only: the module builds one app on in-memory SQLite (``make_test_app``
and ``db.create_all()``, as the ``sqlite_app`` fixture does) and is not
parametrised over PostgreSQL; the fuzz run is about the HTTP layer. The app
is made at import time because Schemathesis makes one test per operation at
collection; ``schemathesis.pytest.from_fixture`` would avoid that, but in
schemathesis 4.32.5 it fails on pytest 9.2 (it sets ``Node._nodeid``, which
pytest no longer has). The operations share the app, its world and the draft,
and run in document order (so ``submit`` sees the draft the earlier tests
edited).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest
import schemathesis
from hypothesis import settings
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
JSON_VALUES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.lists(st.text(max_size=10), max_size=3)
)

# Fuzzing dev-login makes far more failed logins than the per-address limit
# allows, and the later operations log 陈伯 in again: a budget that lasts.
APP = make_test_app("sqlite://", CITIZEN_LOGIN_RATE_LIMIT="100000 per minute")
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)
# Real values, set by the ``target`` fixture: by path parameter name, and by
# (method, path) and property name for request bodies.
REAL_PATH: dict[str, st.SearchStrategy[Any]] = {}
REAL_BODY: dict[tuple[str, str], dict[str, st.SearchStrategy[Any]]] = {}
IDEMPOTENCY_KEYS = count()


@schemathesis.serializer("application/pdf")
def _pdf_body(ctx: Any, value: Any) -> bytes:
    """The PDF check takes raw bytes; any generated value is sent as bytes."""
    return value if isinstance(value, bytes) else str(value).encode()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return out.getvalue()


def _principal(name: str) -> dict[str, str]:
    return {"id_number": PERSON[name].id_number, "name": name, "relation": "子女"}


@pytest.fixture(scope="module")
def target() -> Iterator[dict[str, str]]:
    """The world, and 陈伯 logged in with a draft and a page uploaded to it.

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
    items = [item["code"] for item in client.get("/api/v1/items").json["items"]]
    fields = [f["key"] for f in draft["fields"]]
    REAL_PATH.update(
        application_id=st.just(draft["id"]),
        code=st.sampled_from(items),
        material_code=st.sampled_from([m["code"] for m in draft["materials"]]),
    )
    # Should the upload fail, upload_id stays random: the fuzzing of the
    # upload operation itself then reports the failure.
    if upload.status_code == 201:
        REAL_PATH["upload_id"] = st.just(upload.json["id"])
    REAL_BODY.update(
        {
            ("POST", "/api/v1/auth/dev-login"): {
                "id_number": st.just(PERSON[PERSONA].id_number),
                "name": st.just(PERSONA),
            },
            ("POST", "/api/v1/applications"): {
                "item_code": st.sampled_from(items),
                "organisation": st.sampled_from([o.credit_code for o in ORG.values()]),
                "on_behalf_of": st.sampled_from(
                    [_principal("林秀娥"), _principal("沈德茂")]
                ),
            },
            ("PATCH", ONE): {
                "fields": st.dictionaries(st.sampled_from(fields), JSON_VALUES)
            },
            ("POST", ONE + "/corrections"): {"field": st.sampled_from(fields)},
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
    generated: Any, real: dict[str, st.SearchStrategy[Any]] | None
) -> st.SearchStrategy[Any]:
    """``generated`` as is, or with real values for the keys it has."""
    if not real or not isinstance(generated, dict):
        return st.just(generated)
    known = {key: real[key] for key in generated if key in real}
    if not known:
        return st.just(generated)
    swapped = st.fixed_dictionaries(known).map(lambda r: {**generated, **r})
    return st.one_of(st.just(generated), swapped)


@schema.hook("flatmap_path_parameters")
def real_objects_in_paths(
    context: schemathesis.HookContext, path_parameters: dict[str, Any]
) -> st.SearchStrategy[Any]:
    return _sometimes_real(path_parameters, REAL_PATH)


@schema.hook("flatmap_body")
def real_values_in_bodies(
    context: schemathesis.HookContext, body: Any
) -> st.SearchStrategy[Any]:
    operation = context.operation
    assert operation is not None
    real = REAL_BODY.get((operation.method.upper(), operation.path))
    return _sometimes_real(body, real)


@schema.parametrize()
@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
)
def test_no_server_errors_and_answers_as_documented(
    case: schemathesis.Case, target: dict[str, str]
) -> None:
    headers = dict(target)
    if case.operation.path == "/api/v1/auth/logout":
        headers = dev_login(APP.test_client(), PERSONA)  # a token to throw away
    if case.operation.path.endswith("/submit"):
        # Required, but not in the document: without it every submit is a 400.
        headers["Idempotency-Key"] = f"fuzz-{next(IDEMPOTENCY_KEYS)}"
    case.call_and_validate(headers=headers, checks=CHECKS)
