"""Benchmarks of 秒报 through the API: draft (prefill + e-licences), submit.

Run: ``.venv/bin/python bench/bench_applications.py [postgresql-url]``. Without
an argument it uses a SQLite file in a temporary folder. Each round is one
HTTP request through the Flask test client, so the figures include routing,
authentication, marshmallow and JSON, but not a network hop.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from govcore import catalog  # noqa: E402
from govcore.clock import local_date, utcnow  # noqa: E402
from govcore.datahub import sandbox  # noqa: E402
from webapp import create_app  # noqa: E402

ROUNDS = 200


def report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(
        f"{name:44} median {statistics.median(samples):8.2f} ms   "
        f"p99 {p99:8.2f} ms   n={len(samples)}"
    )


def main() -> None:
    folder = tempfile.mkdtemp(prefix="miaopi-bench-")
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": folder})
    with app.app_context():
        upgrade()
        now = utcnow()
        catalog.load_catalog(catalog.read_catalog(ROOT / "catalog"), now=now)
        if not sandbox.count_records():
            sandbox.generate_into_sandbox(2000, seed=1, today=local_date(now), now=now)
    client = app.test_client()
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
    print(f"database: {url.split(':')[0]}")
    report("POST /applications (prefill 7 fields, 3 EL)", drafts)
    report("POST /applications/{id}/submit", submits)


if __name__ == "__main__":
    main()
