"""What the load test checks besides speed: the database afterwards, and that
the gunicorn workers ran nothing in the background."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg

# The status a submit answered with → the decision's outcome.
OUTCOME_OF_STATUS = {
    "approved": "approve",
    "certificate_issued": "approve",
    "refused": "refuse",
    "manual_review": "manual",
}


def integrity(url: str, accepted_file: Path) -> dict[str, Any]:
    """Every submission locust saw accepted is in the database exactly once,
    with exactly one decision (the outcome it was told), one decision message
    in the outbox, one ``submitted`` status change, one certificate when
    approved; and no application was decided without the client hearing of it.

    :param url: the database (SQLAlchemy or libpq form).
    :param accepted_file: locust's JSON lines ``{"id", "person", "status"}``.
    """
    seen = (
        [
            json.loads(line)
            for line in accepted_file.read_text().splitlines()
            if line.strip()
        ]
        if accepted_file.exists()
        else []
    )
    ids = [s["id"] for s in seen]
    with psycopg.connect(libpq(url)) as connection:
        rows = connection.execute(
            """
            SELECT a.public_id, a.applicant_id_number,
              (SELECT count(*) FROM application b
                 WHERE b.applicant_id_number = a.applicant_id_number),
              (SELECT array_agg(d.outcome) FROM decision d
                 WHERE d.application_id = a.id),
              (SELECT count(*) FROM outbox_message o
                 WHERE o.application_id = a.id AND o.kind LIKE 'decision\\_%%'),
              (SELECT count(*) FROM status_change s
                 WHERE s.application_id = a.id AND s.to_status = 'submitted'),
              (SELECT count(*) FROM result_document r
                 WHERE r.application_id = a.id AND r.kind = 'certificate')
            FROM application a WHERE a.public_id = ANY(%s)
            """,
            (ids,),
        ).fetchall()
        unanswered = connection.execute(
            "SELECT count(*) FROM application"
            " WHERE status <> 'draft' AND NOT public_id = ANY(%s)",
            (ids,),
        ).fetchone()[0]
        by_status = dict(
            connection.execute(
                "SELECT status, count(*) FROM application GROUP BY status ORDER BY 1"
            ).fetchall()
        )
    found = {row[0]: row for row in rows}
    times_seen = Counter(ids)
    problems: Counter[str] = Counter()
    for entry in seen:
        problems.update(_problems(entry, found.get(entry["id"]), times_seen))
    return {
        "ok": not problems and not unanswered,
        "accepted": len(seen),
        "outcomes": dict(Counter(s["status"] for s in seen)),
        "problems": dict(problems),
        "decided but never answered": unanswered,
        "applications by status": by_status,
    }


def _problems(
    entry: dict[str, str], row: tuple[Any, ...] | None, times_seen: Counter[str]
) -> list[str]:
    """What is wrong with one accepted submission, given its database row."""
    if row is None:
        return ["accepted but not in the database"]
    _, person, per_person, outcomes, outbox, submitted, certificates = row
    wrong = {
        "accepted twice": times_seen[entry["id"]] != 1,
        "someone else's application": person != entry["person"],
        "person with more than one application": per_person != 1,
        "not exactly one decision": outcomes is None or len(outcomes) != 1,
        "decision differs from the answer": outcomes is not None
        and len(outcomes) == 1
        and outcomes[0] != OUTCOME_OF_STATUS.get(entry["status"]),
        "not exactly one decision message in the outbox": outbox != 1,
        "not exactly one 'submitted' status change": submitted != 1,
        "approved without exactly one certificate": outcomes == ["approve"]
        and certificates != 1,
    }
    return [problem for problem, found in wrong.items() if found]


def background(url: str) -> dict[str, int]:
    """Traces in the database of background work: a terminal registered (the
    in-process kiosk agent registers one), a notification handed to a channel
    (in-process delivery)."""
    with psycopg.connect(libpq(url)) as connection:
        count = lambda sql: connection.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "terminals": count("SELECT count(*) FROM terminal"),
            "notification deliveries": count(
                "SELECT count(*) FROM notification_delivery"
            ),
            "outbox messages sent": count(
                "SELECT count(*) FROM outbox_message WHERE sent_at IS NOT NULL"
            ),
        }


def python_threads(py_spy: Path, pid: int) -> list[str]:
    """The names of a process's Python threads (``py-spy dump``)."""
    dump = subprocess.run(
        [str(py_spy), "dump", "--pid", str(pid)],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    return re.findall(r'^Thread \S+ \([^)]*\): "([^"]*)"', dump, flags=re.M)


def libpq(url: str) -> str:
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)
