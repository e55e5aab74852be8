"""Benchmarks of 秒报 through the API: draft (prefill + e-licences), submit.

Run: ``.venv/bin/python bench/bench_applications.py [postgresql-url]``. Without
an argument it uses a SQLite file in a temporary folder. Each round is one
HTTP request through the Flask test client, so the figures include routing,
authentication, marshmallow and JSON, but not a network hop. Submissions after
the first are refused (one application per person): a decision all the same.
"""

from __future__ import annotations

import time
import uuid

from common import demo_app, report

ROUNDS = 200


def main() -> None:
    client = demo_app().test_client()
    token = client.post(
        "/api/v1/auth/dev-login",
        json={"id_number": "440507194401150010", "name": "陈伯"},
    ).json["token"]
    auth = {"Authorization": f"Bearer {token}"}
    drafts, submits, ids = [], [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        response = client.post(
            "/api/v1/applications", json={"item_code": "aged-allowance"}, headers=auth
        )
        drafts.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 201, response.json
        ids.append(response.json["id"])
    for application_id in ids:
        start = time.perf_counter()
        response = client.post(
            f"/api/v1/applications/{application_id}/submit",
            headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
        )
        submits.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.json
    report("POST /applications (prefill 7 fields, 3 EL)", drafts)
    report("POST /applications/{id}/submit (+ decision)", submits)


if __name__ == "__main__":
    main()
