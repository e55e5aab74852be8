"""What the benchmarks share: reporting, and a demo app with data loaded."""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from govcore import catalog  # noqa: E402
from govcore.clock import local_date, utcnow  # noqa: E402
from govcore.datahub import sandbox  # noqa: E402
from webapp import create_app  # noqa: E402


def report(name: str, samples: list[float]) -> None:
    """Print the median and p99 of ``samples`` (milliseconds)."""
    samples = sorted(samples)
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(
        f"{name:52} median {statistics.median(samples):9.3f} ms   "
        f"p99 {p99:9.3f} ms   n={len(samples)}"
    )


def demo_app(people: int = 2000) -> Flask:
    """The app on ``sys.argv[1]`` (a database URL) or a new SQLite file, with
    the catalogue and a sandbox of ``people`` loaded."""
    folder = tempfile.mkdtemp(prefix="miaopi-bench-")
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{folder}/bench.sqlite3"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_DIR": folder,
            "DOCUMENT_KEY_DIR": f"{folder}/keys",
            "DOCUMENT_PKI_DIR": f"{folder}/pki",
            "VERIFY_RATE_LIMIT": "1000000 per minute",  # measure, not throttle
        }
    )
    with app.app_context():
        upgrade()
        now = utcnow()
        catalog.load_catalog(catalog.read_catalog(ROOT / "catalog"), now=now)
        if not sandbox.count_records():
            sandbox.generate_into_sandbox(
                people, seed=1, today=local_date(now), now=now
            )
    print(f"database: {url.split(':')[0]}")
    return app
