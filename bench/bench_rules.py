"""Benchmarks of 秒批: rule evaluation alone, and submit-to-decision via the API.

Run: ``.venv/bin/python bench/bench_rules.py [postgresql-url]``. Without an
argument the API part uses a SQLite file in a temporary folder.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from govcore import catalog  # noqa: E402
from govcore.clock import local_date, utcnow  # noqa: E402
from govcore.datahub import sandbox  # noqa: E402
from govcore.rules.cases import case_snapshot  # noqa: E402
from govcore.rules.engine import compile_rules, evaluate  # noqa: E402
from webapp import create_app  # noqa: E402


def report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(
        f"{name:52} median {statistics.median(samples):8.3f} ms   "
        f"p99 {p99:8.3f} ms   n={len(samples)}"
    )


def evaluation() -> None:
    data = catalog.read_catalog(ROOT / "catalog")
    items = [i for i in data.items if i.rules]
    biggest = max(items, key=lambda i: len(i.rules.checks))
    for item in {"aged-allowance": None}.keys() | {biggest.code}:
        spec = next(i for i in items if i.code == item)
        rules = compile_rules(spec)
        snapshot = case_snapshot(spec.rules.cases[0])
        samples = []
        for _ in range(5000):
            start = time.perf_counter()
            evaluate(rules, snapshot)
            samples.append((time.perf_counter() - start) * 1000)
        report(f"evaluate {item} ({len(rules.checks)} checks)", samples)


def submit_to_decision(url: str, folder: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": folder})
    with app.app_context():
        upgrade()
        now = utcnow()
        catalog.load_catalog(catalog.read_catalog(ROOT / "catalog"), now=now)
        if not sandbox.count_records():
            sandbox.generate_into_sandbox(2000, seed=1, today=local_date(now), now=now)
    with app.app_context():
        people = app.extensions["miaopi.datasource"].subjects("HK", limit=200)
        names = {
            p: app.extensions["miaopi.datasource"].fetch("HK", p, now=utcnow()).data
            for p in people
        }
    client = app.test_client()
    samples, outcomes = [], Counter()
    for person in people:
        token = client.post(
            "/api/v1/auth/dev-login",
            json={"id_number": person, "name": names[person]["name"]},
        ).json["token"]
        auth = {"Authorization": f"Bearer {token}"}
        draft = client.post(
            "/api/v1/applications", json={"item_code": "aged-allowance"}, headers=auth
        ).json
        fill = {
            f["key"]: "13800138000" if f["type"] == "phone" else "示例"
            for f in draft["fields"]
            if f["required"] and f["value"] is None
        }
        if fill:
            client.patch(
                f"/api/v1/applications/{draft['id']}",
                json={"fields": fill},
                headers=auth,
            )
        start = time.perf_counter()
        response = client.post(
            f"/api/v1/applications/{draft['id']}/submit",
            headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
        )
        elapsed = (time.perf_counter() - start) * 1000
        outcomes[response.json.get("status", response.json.get("code"))] += 1
        if response.status_code == 200:  # a decision was made
            samples.append(elapsed)
    print(f"database: {url.split(':')[0]}")
    report("POST submit → decision, through the API", samples)
    print(f"outcomes: {dict(outcomes)}")


if __name__ == "__main__":
    evaluation()
    folder = tempfile.mkdtemp(prefix="miaopi-bench-")
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{folder}/bench.sqlite3"
    submit_to_decision(url, folder)
