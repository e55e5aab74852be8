"""What each request of the load test says to PostgreSQL, statement by statement.

    .venv/bin/python bench/load/statements.py [--people 3] [--sql]

A quick companion to ``run.py`` for working on the hot paths: the same
throw-away database, data and app environment, but one process and the Flask
test client, no gunicorn, no locust. It runs the load test's request types in
order for a few people (the first person warms the caches and is not counted)
and prints, per request type, the statements and COMMITs per request; with
``--sql`` the statements of the last person's requests, each with where in our
code it was sent from; with ``--profile KIND`` a cProfile of that request type
(e.g. ``"POST …/submit"``), its top functions by cumulative and own time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import traceback
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402  (bench/load/run.py: database and setup)

OURS = ("govcore", "webapp", "mobile_api", "kiosk_app", "backoffice", "verify_pages")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=3)
    parser.add_argument("--sql", action="store_true", help="print the statements")
    parser.add_argument("--profile", default="", help="a request type to profile")
    args = parser.parse_args()
    name = run.create_database()
    try:
        with tempfile.TemporaryDirectory(prefix="miaopi-statements-") as folder:
            env = run.app_environment(
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
                Path(folder),
                port=5000,
            )
            setup = run.prepare(env, people=3000)
            trace(
                setup.approvable[: args.people + 1],
                show_sql=args.sql,
                profile=args.profile,
            )
    finally:
        run.drop_database(name)


def trace(people: list[tuple[str, str]], *, show_sql: bool, profile: str) -> None:
    from webapp import create_app

    tracer = Tracer(create_app().test_client(), show_sql=show_sql, profile=profile)
    for index, person in enumerate(people):
        # The first person warms the caches; the last one's SQL is shown.
        tracer.counting = index > 0
        tracer.showing = show_sql and index == len(people) - 1
        one_person(tracer.call, person)
    tracer.report()


class Tracer:
    """Counts statements and COMMITs per request type; shows and profiles."""

    def __init__(self, client: Any, *, show_sql: bool, profile: str) -> None:
        import sqlalchemy as sa

        self.client, self.show_sql, self.profile = client, show_sql, profile
        self.counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.current = ""
        self.counting = self.showing = False
        self.shown: list[tuple[str, str, str]] = []
        self.profiler = cProfile.Profile()
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self.statement)
        sa.event.listen(sa.engine.Engine, "commit", self.commit)

    def statement(self, conn: Any, cursor: Any, text: str, *_: Any) -> None:
        if self.current:
            self.counts[self.current]["statements"] += 1
            if self.showing:
                where = _caller()
                self.shown.append((self.current, " ".join(text.split())[:160], where))

    def commit(self, *_: Any) -> None:
        if self.current:
            self.counts[self.current]["commits"] += 1

    def call(self, kind: str, method: str, path: str, **kwargs: Any) -> Any:
        if self.counting:
            self.current = kind
            self.counts[kind]["requests"] += 1
        profiling = self.counting and kind == self.profile
        if profiling:
            self.profiler.enable()
        try:
            response = self.client.open(path, method=method, **kwargs)
        finally:
            if profiling:
                self.profiler.disable()
            self.current = ""
        assert response.status_code < 300, (kind, response.status_code, response.json)
        return response

    def report(self) -> None:
        print(f"{'request':32} {'statements':>10} {'commits':>8}   (per request)")
        for kind, count in self.counts.items():
            n = count["requests"]
            statements, commits = count["statements"] / n, count["commits"] / n
            print(f"{kind:32} {statements:10.1f} {commits:8.1f}")
        for kind, text, where in self.shown:
            print(f"{kind:26} {where:44} {text}")
        if self.profile:
            stats = pstats.Stats(self.profiler)
            for order in ("cumulative", "tottime"):
                stats.sort_stats(order).print_stats(30)
            ours = "|".join(f"/{package}/" for package in OURS)
            stats.sort_stats("cumulative").print_stats(ours, 40)  # our functions


def one_person(call: Any, person: tuple[str, str]) -> None:
    """The load test's request types, in order, for one person."""
    id_number, name = person
    token = call(
        "login",
        "POST",
        "/api/v1/auth/dev-login",
        json={"id_number": id_number, "name": name},
    ).json["token"]
    auth = {"Authorization": f"Bearer {token}"}
    call("GET /items", "GET", "/api/v1/items")
    call("GET /items?q=", "GET", "/api/v1/items?q=%E8%AF%81%E6%98%8E")
    call("GET /items/[code]", "GET", f"/api/v1/items/{run.ITEM}")
    draft = call(
        "POST /applications",
        "POST",
        "/api/v1/applications",
        headers=auth,
        json={"item_code": run.ITEM},
    )
    one = f"/api/v1/applications/{draft.json['id']}"
    fill_in = {"fields": {"purpose": "就业"}}
    call("PATCH /applications/[id]", "PATCH", one, headers=auth, json=fill_in)
    key = {**auth, "Idempotency-Key": str(uuid.uuid4())}
    call("POST …/submit", "POST", f"{one}/submit", headers=key)
    call("POST …/submit (replay)", "POST", f"{one}/submit", headers=key)
    documents = call("GET …/documents", "GET", f"{one}/documents", headers=auth)
    document = documents.json["documents"][0]
    call("GET …/pdf (first)", "GET", document["pdf_url"], headers=auth)
    call("GET …/pdf (again)", "GET", document["pdf_url"], headers=auth)
    verify = document["verify_url"].split("://", 1)[1].split("/", 1)[1]
    call("GET /verify/[token]", "GET", "/" + verify)


def _caller() -> str:
    """The innermost frame of our own code that sent a statement."""
    for frame in reversed(traceback.extract_stack()[:-2]):
        parts = Path(frame.filename).parts
        for index, part in enumerate(parts):
            if part in OURS and "site-packages" not in parts:
                return f"{'/'.join(parts[index:])}:{frame.lineno} {frame.name}"[-44:]
    return "?"


if __name__ == "__main__":
    main()
