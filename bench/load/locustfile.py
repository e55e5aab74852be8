"""Mixed traffic for the load test (issue 9), run by ``bench/load/run.py``.

Two user classes; the command line names the one to run:

``Citizen``
    The mini-program's traffic, weighted: browsing the catalogue (list,
    keyword search, service guide), applying for 无犯罪记录证明 (create the
    draft, fill in the purpose, submit with an ``Idempotency-Key``: decided at
    once, 秒批), downloading the certificate PDF and opening its public
    verification page. Every application takes a fresh sandbox person (a
    person applies once), with the token ``run.py`` logged them in with
    beforehand. Each accepted submission is appended to ``--accepted`` (one
    JSON line: id, person, status) for the integrity check afterwards.
``Floor``
    ``POST /floor`` of ``floor_app.py``: one row inserted, nothing else.

Bounds: ``--run-time`` (locust's own), ``--max-requests`` (all requests) and
``--max-submissions``; the people pool running out also ends the run. The
answer codes of every request type go to ``--statuses`` (JSON) at the end,
so 5xx are counted whatever locust calls a failure.
"""

from __future__ import annotations

import itertools
import json
import random
import time
import uuid
from collections import Counter, defaultdict, deque
from typing import Any
from urllib.parse import quote

import gevent
from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.runners import Runner

ITEM = "no-criminal-record-certificate"
DRAFT = "POST /applications (draft)"
SUBMIT = "POST /applications/[id]/submit"
SEARCHES = ("无犯罪", "gljt", "证明", "津贴", "户口", "社保", "残疾", "营业执照")
REPLAY_SHARE = 0.05  # submissions sent twice with the same key (a retry)
AGAIN_SHARE = 0.5  # downloads of a PDF already made (a file read)


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument("--pool", default="", help="people with tokens (JSON)")
    parser.add_argument("--accepted", default="", help="accepted submissions (JSONL)")
    parser.add_argument("--statuses", default="", help="answer codes out (JSON)")
    parser.add_argument("--item-codes", default="", help="item codes, comma-separated")
    parser.add_argument("--max-requests", type=int, default=0)
    parser.add_argument("--max-submissions", type=int, default=0)


class Shared:
    """What all users of the one locust process share (gevent: no locks)."""

    people: deque[dict[str, str]] = deque()
    item_codes: list[str] = []
    approved: deque[dict[str, str]] = deque()  # certificates not yet downloaded
    downloaded: list[dict[str, str]] = []
    verify_tokens: list[str] = []
    statuses: defaultdict[str, Counter[int]] = defaultdict(Counter)
    accepted_file: Any = None
    requests = 0
    submissions = 0
    stopped_because = ""
    runner: Runner | None = None


@events.test_start.add_listener
def _start(environment: Any, **_: Any) -> None:
    options = environment.parsed_options
    Shared.runner = environment.runner
    if options.pool:
        with open(options.pool, encoding="utf-8") as file:
            Shared.people.extend(json.load(file))
    Shared.item_codes = [c for c in options.item_codes.split(",") if c] or [ITEM]
    if options.accepted:
        Shared.accepted_file = open(options.accepted, "a", encoding="utf-8")


@events.request.add_listener
def _count(name: str, response: Any = None, exception: Any = None, **_: Any) -> None:
    code = getattr(response, "status_code", 0) or 0
    Shared.statuses[name][int(code)] += 1
    Shared.requests += 1
    options = Shared.runner.environment.parsed_options if Shared.runner else None
    if options and options.max_requests and Shared.requests >= options.max_requests:
        _stop(f"max requests ({options.max_requests}) reached")


@events.quitting.add_listener
def _quit(environment: Any, **_: Any) -> None:
    options = environment.parsed_options
    if Shared.accepted_file:
        Shared.accepted_file.close()
    if options.statuses:
        with open(options.statuses, "w", encoding="utf-8") as file:
            json.dump(
                {
                    "statuses": {n: dict(c) for n, c in Shared.statuses.items()},
                    "people_left": len(Shared.people),
                    "stopped_because": Shared.stopped_because or "run time",
                },
                file,
                ensure_ascii=False,
                indent=1,
            )


def _stop(reason: str) -> None:
    """End the run. From its own greenlet: quitting kills every user's
    greenlet, and would kill the caller's halfway through quitting."""
    if not Shared.stopped_because:
        Shared.stopped_because = reason
        if Shared.runner is not None:
            gevent.spawn(Shared.runner.quit)


def _bearer(person: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {person['token']}"}


class Named(FastHttpUser):
    """Requests named for locust's tables and, in the ``X-Load-Name`` header,
    for the instrumented worker of the profile (instrument.py)."""

    abstract = True
    wait_time = constant(0)  # closed loop: as fast as the server answers

    def call(
        self,
        method: str,
        path: str,
        name: str,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """``with self.call(...) as response:`` (locust's ``catch_response``).
        ``name`` goes in a header: ASCII only."""
        return self.client.request(
            method,
            path,
            name=name,
            headers={**(headers or {}), "X-Load-Name": name},
            catch_response=True,
            **kwargs,
        )


class Citizen(Named):
    """The mini-program's traffic; about six reads per submission."""

    @task(6)
    def list_items(self) -> None:
        with self.call("GET", "/api/v1/items", "GET /items"):
            pass

    @task(6)
    def search_items(self) -> None:
        path = f"/api/v1/items?q={quote(random.choice(SEARCHES))}"
        with self.call("GET", path, "GET /items?q="):
            pass

    @task(8)
    def guide(self) -> None:
        code = random.choice(Shared.item_codes)
        with self.call("GET", f"/api/v1/items/{code}", "GET /items/[code] (guide)"):
            pass

    @task(6)
    def apply(self) -> None:
        """Draft → fill in → submit with an Idempotency-Key (→ a replay now
        and then), for a fresh person."""
        if not Shared.people:
            _stop("people pool exhausted")
            return
        person = Shared.people.popleft()
        auth = _bearer(person)
        with self.call(
            "POST", "/api/v1/applications", DRAFT, auth, json={"item_code": ITEM}
        ) as response:
            if response.status_code != 201:
                response.failure(f"draft: {response.status_code}")
                return
            one = f"/api/v1/applications/{response.json()['id']}"
        with self.call(
            "PATCH",
            one,
            "PATCH /applications/[id]",
            auth,
            json={"fields": {"purpose": "就业"}},
        ) as response:
            if response.status_code != 200:
                response.failure(f"fill in: {response.status_code}")
                return
        headers = {**auth, "Idempotency-Key": str(uuid.uuid4())}
        with self.call("POST", f"{one}/submit", SUBMIT, headers) as response:
            if response.status_code != 200:
                response.failure(f"submit: {response.status_code}")
                return
            answer = response.json()
        self.accepted(person, answer["id"], answer["status"])
        if random.random() < REPLAY_SHARE:
            with self.call(
                "POST", f"{one}/submit", f"{SUBMIT} (replay)", headers
            ) as again:
                if again.headers.get("Idempotent-Replayed") != "true":
                    again.failure("a retry with the same key was not replayed")

    def accepted(
        self, person: dict[str, str], application_id: str, status: str
    ) -> None:
        Shared.submissions += 1
        if Shared.accepted_file:
            line = {
                "id": application_id,
                "person": person["id_number"],
                "status": status,
            }
            Shared.accepted_file.write(json.dumps(line) + "\n")
            Shared.accepted_file.flush()
        if status in ("approved", "certificate_issued"):
            Shared.approved.append({**person, "application": application_id})
        limit = self.environment.parsed_options.max_submissions
        if limit and Shared.submissions >= limit:
            _stop(f"max submissions ({limit}) reached")

    @task(6)
    def download(self) -> None:
        """The certificate PDF: a new one (documents list, then the PDF, which
        the first download renders and seals) or, half the time once there
        are some, one downloaded before (a file read)."""
        if Shared.downloaded and (not Shared.approved or random.random() < AGAIN_SHARE):
            self.pdf(random.choice(Shared.downloaded), "again")
            return
        if not Shared.approved:
            self.list_items()
            return
        holder = Shared.approved.popleft()
        with self.call(
            "GET",
            f"/api/v1/applications/{holder['application']}/documents",
            "GET /applications/[id]/documents",
            _bearer(holder),
        ) as response:
            documents = (
                response.json()["documents"] if response.status_code == 200 else []
            )
            if response.status_code == 200 and not documents:
                response.failure("an approved application without a document")
        if documents:
            holder = {**holder, "pdf_url": documents[0]["pdf_url"]}
            if self.pdf(holder, "first"):
                Shared.downloaded.append(holder)
                token = documents[0]["verify_url"].rstrip("/").rsplit("/", 1)[1]
                Shared.verify_tokens.append(token)

    def pdf(self, holder: dict[str, str], which: str) -> bool:
        name = f"GET /applications/[id]/documents/[doc]/pdf ({which})"
        with self.call("GET", holder["pdf_url"], name, _bearer(holder)) as response:
            if response.status_code == 200 and not response.content.startswith(b"%PDF"):
                response.failure("not a PDF")
                return False
            return response.status_code == 200

    @task(8)
    def verify(self) -> None:
        """The public verification page of a certificate downloaded before."""
        if not Shared.verify_tokens:
            self.guide()
            return
        token = random.choice(Shared.verify_tokens)
        with self.call("GET", f"/verify/{token}", "GET /verify/[token] (page)"):
            pass


_rows = itertools.count()


class Floor(Named):
    """The floor: one row inserted per request."""

    @task
    def insert(self) -> None:
        body = {"n": next(_rows), "at": time.time()}
        with self.call("POST", "/floor", "POST /floor (insert one row)", json=body):
            pass
