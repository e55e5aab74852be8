"""Benchmarks of the foundation: catalogue load, sandbox generation, data lookups.

Run: ``.venv/bin/python bench/bench_foundation.py`` (figures go to
docs/PERFORMANCE.md by hand, with the machine they were measured on).
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from govcore import catalog  # noqa: E402
from govcore.clock import utcnow  # noqa: E402
from govcore.datahub import DataLookup  # noqa: E402
from govcore.datahub import sandbox  # noqa: E402
from govcore.datahub.sandbox.generator import generate_population  # noqa: E402
from govcore.db import db  # noqa: E402
from webapp import create_app  # noqa: E402

from common import report  # noqa: E402

TODAY = date(2026, 11, 28)
PREFILL = [
    "HK.name",
    "HK.id_no",
    "HK.birth_date",
    "HK.address",
    "HK.township_code",
    "SI.card.card_no",
    "CA.dibao.status",
]


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    report(
        "read+validate catalogue (25 items)",
        timed(lambda: catalog.read_catalog(ROOT / "catalog"), 20),
    )
    for people in (2_000, 20_000):
        report(
            f"generate population ({people} people)",
            timed(lambda: generate_population(people, seed=1, today=TODAY), 3),
        )
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        db.create_all()
        report(
            "load catalogue into SQLite",
            timed(
                lambda: catalog.load_catalog(
                    catalog.read_catalog(ROOT / "catalog"), now=utcnow()
                ),
                1,
            ),
        )
        report(
            "generate + validate + import 2,000 people (SQLite)",
            timed(
                lambda: sandbox.generate_into_sandbox(
                    2_000, seed=1, today=TODAY, now=utcnow()
                ),
                1,
            ),
        )
        source = app.extensions["miaopi.datasource"]

        def prefill() -> None:
            lookup = DataLookup(source, now=utcnow())
            for path in PREFILL:
                try:
                    lookup.value(path, "440507194401150010")
                except Exception:  # a source without a record is part of the path
                    pass
            lookup.elicences("440507194401150010", on=TODAY)

        report("prefill 7 fields + e-licences (SQLite sandbox)", timed(prefill, 500))
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
