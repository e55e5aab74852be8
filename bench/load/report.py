"""locust's results as tables: per request type, groups, the floor, ratios.

The figures come from locust's ``--json-file`` (the same statistics as its
``--csv`` files, which are kept beside it, but complete: the CSV is written
once a second and may miss the last one). Percentiles are taken from
locust's response-time histogram, whose buckets are 1 ms wide below 100 ms,
10 ms below 1 s and 100 ms above: a p99 of "250" means 250–259 ms.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SUBMIT = "POST /applications/[id]/submit"
FIRST_PDF = "GET /applications/[id]/documents/[doc]/pdf (first)"
TARGETS = {"submissions/s": 150, "reads/s": 800, "submit p99 ms": 250}


@dataclass
class Row:
    name: str
    method: str
    count: int
    failures: int
    seconds: float
    histogram: Counter[int] = field(default_factory=Counter)
    max_ms: float = 0.0

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        total = sum(self.histogram.values())
        seen = 0
        for value in sorted(self.histogram):
            seen += self.histogram[value]
            if seen >= share * total:
                return float(value)
        return 0.0


def read_stats(path: Path) -> list[Row]:
    """One row per request type; requests/s over the whole run's window."""
    entries = json.loads(path.read_text())
    if not entries:
        return []
    window = max(e["last_request_timestamp"] or 0 for e in entries) - min(
        e["start_time"] for e in entries
    )
    return [
        Row(
            name=e["name"],
            method=e["method"],
            count=e["num_requests"],
            failures=e["num_failures"],
            seconds=window,
            histogram=Counter({int(k): v for k, v in e["response_times"].items()}),
            max_ms=e["max_response_time"] or 0.0,
        )
        for e in sorted(entries, key=lambda e: (e["method"] != "GET", e["name"]))
    ]


def combine(name: str, rows: list[Row]) -> Row:
    histogram: Counter[int] = Counter()
    for row in rows:
        histogram.update(row.histogram)
    return Row(
        name=name,
        method="",
        count=sum(r.count for r in rows),
        failures=sum(r.failures for r in rows),
        seconds=rows[0].seconds if rows else 0.0,
        histogram=histogram,
        max_ms=max((r.max_ms for r in rows), default=0.0),
    )


def groups(rows: list[Row]) -> list[tuple[Row, list[str]]]:
    """The groups the targets speak of, each with the request types in it."""
    reads = [r for r in rows if r.method == "GET"]
    members = {
        "**all reads (GET)**": reads,
        "**reads without first PDF renders**": [
            r for r in reads if r.name != FIRST_PDF
        ],
        "**submissions with decision**": [r for r in rows if r.name == SUBMIT],
        "**everything**": rows,
    }
    return [(combine(k, v), [r.name for r in v]) for k, v in members.items()]


def fives(statuses: dict[str, dict[str, int]], names: list[str]) -> int:
    return sum(
        n
        for name in names
        for code, n in statuses.get(name, {}).items()
        if str(code).startswith("5")
    )


def table(
    rows: list[Row],
    statuses: dict[str, dict[str, int]],
    floor: Row,
    floor_statuses: dict[str, dict[str, int]],
) -> list[str]:
    """The Markdown table: each type, the groups, the floor, and the ratios
    to the floor (throughput, p50, p99)."""
    lines = [
        "| request | n | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | 5xx "
        "| req/s ÷ floor | p50 ÷ floor | p99 ÷ floor |",
        "| --- " + "| ---: " * 11 + "|",
    ]
    for row in rows:
        lines.append(_line(row, fives(statuses, [row.name]), floor))
    for group, names in groups(rows):
        lines.append(_line(group, fives(statuses, names), floor))
    floor_5xx = fives(floor_statuses, list(floor_statuses))
    lines.append(_line(floor, floor_5xx, floor, label=f"*floor: {floor.name}*"))
    return lines


def _line(row: Row, fives: int, floor: Row, label: str = "") -> str:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}" if b else "—"

    p50, p99 = row.percentile(0.5), row.percentile(0.99)
    floor_p50, floor_p99 = floor.percentile(0.5), floor.percentile(0.99)
    return (
        f"| {label or row.name} | {row.count} | {row.rps:.1f} | {p50:.0f} "
        f"| {row.percentile(0.95):.0f} | {p99:.0f} | {row.max_ms:.0f} "
        f"| {row.failures} | {fives} | {ratio(row.rps, floor.rps)} "
        f"| {ratio(p50, floor_p50)} | {ratio(p99, floor_p99)} |"
    )


def verdicts(rows: list[Row], statuses: dict[str, dict[str, int]]) -> list[str]:
    """The issue's targets, met or not."""
    (reads, _), _, (submits, _), _ = groups(rows)
    all_5xx = fives(statuses, [r.name for r in rows])
    checks = [
        (
            "submissions with decision per second",
            submits.rps,
            "≥",
            TARGETS["submissions/s"],
        ),
        ("reads per second", reads.rps, "≥", TARGETS["reads/s"]),
        ("submit p99 (ms)", submits.percentile(0.99), "≤", TARGETS["submit p99 ms"]),
        ("5xx answers", all_5xx, "=", 0),
    ]
    lines = ["| target | measured | met? |", "| --- | ---: | --- |"]
    for label, value, op, target in checks:
        met = {"≥": value >= target, "≤": value <= target, "=": value == target}[op]
        lines.append(
            f"| {label} {op} {target} | {value:.1f} | {'yes' if met else '**no**'} |"
        )
    return lines
