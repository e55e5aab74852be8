"""Benchmarks of 秒批: rule evaluation alone, and submit-to-decision via the API.

Run: ``.venv/bin/python bench/bench_rules.py [postgresql-url]``. Without an
argument the API part uses a SQLite file in a temporary folder. The API part
applies for 高龄津贴 for 200 different sandbox people (the oldest first), so
the decisions are a real mix of approvals, refusals and manual reviews.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter

from common import ROOT, demo_app, report

from govcore import catalog
from govcore.clock import utcnow
from govcore.rules.cases import case_snapshot
from govcore.rules.engine import compile_rules, evaluate


def evaluation() -> None:
    items = [i for i in catalog.read_catalog(ROOT / "catalog").items if i.rules]
    largest = max(items, key=lambda i: len(i.rules.checks))
    for spec in {
        i.code: i for i in items if i.code == "aged-allowance" or i is largest
    }.values():
        rules = compile_rules(spec)
        snapshot = case_snapshot(spec.rules.cases[0])
        samples = []
        for _ in range(5000):
            start = time.perf_counter()
            evaluate(rules, snapshot)
            samples.append((time.perf_counter() - start) * 1000)
        report(f"evaluate {spec.code} ({len(rules.checks)} checks)", samples)


def submit_to_decision() -> None:
    app = demo_app()
    with app.app_context():
        source = app.extensions["miaopi.datasource"]
        people = {
            p: source.fetch("HK", p, now=utcnow()).data["name"]
            for p in source.subjects("HK", limit=200)
        }
    client = app.test_client()
    samples, outcomes = [], Counter()
    for person, name in people.items():
        token = client.post(
            "/api/v1/auth/dev-login", json={"id_number": person, "name": name}
        ).json["token"]
        auth = {"Authorization": f"Bearer {token}"}
        draft = client.post(
            "/api/v1/applications", json={"item_code": "aged-allowance"}, headers=auth
        ).json
        if any(f["required"] and f["value"] is None for f in draft["fields"]):
            outcomes["incomplete draft (not submitted)"] += 1
            continue
        start = time.perf_counter()
        response = client.post(
            f"/api/v1/applications/{draft['id']}/submit",
            headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
        )
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:  # e.g. materials missing: no decision
            outcomes[response.json["code"]] += 1
            continue
        samples.append(elapsed)
        outcomes[response.json["status"]] += 1
    report("POST submit → decision, through the API", samples)
    print(f"outcomes: {dict(outcomes)}")


if __name__ == "__main__":
    evaluation()
    submit_to_decision()
