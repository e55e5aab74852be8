"""Schemathesis: the API against its own OpenAPI document finds no server error.

Runs on SQLite only (one in-memory app built at import, with the catalogue,
the sandbox personas and a draft of 陈伯's, so path parameters can hit real
objects); the behaviour under test is the HTTP layer, which is the same on
both databases. Every operation is called with a valid token of 陈伯.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from govcore.db import db
from tests.api.conftest import dev_login, load_world
from tests.conftest import make_test_app

app = make_test_app("sqlite://")
with app.app_context():
    db.create_all()
load_world(app)
_client = app.test_client()
AUTH = dev_login(_client, "陈伯")
DRAFT = _client.post(
    "/api/v1/applications", json={"item_code": "aged-allowance"}, headers=AUTH
).json["id"]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
REAL = {"application_id": DRAFT, "code": "aged-allowance", "material_code": "mandate"}


@schemathesis.hook
def map_path_parameters(ctx, path_parameters):  # type: ignore[no-untyped-def]
    """Half the time, aim the generated request at real objects."""
    if path_parameters and hash(frozenset(path_parameters.items())) % 2:
        return {k: REAL.get(k, v) for k, v in path_parameters.items()}
    return path_parameters


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case) -> None:  # type: ignore[no-untyped-def]
    headers = dict(AUTH)
    if case.path.endswith("/submit"):
        headers["Idempotency-Key"] = "fuzz"
    case.call_and_validate(headers=headers, checks=[not_a_server_error])
