"""Fault: PostgreSQL goes away under load and comes back.

Restarting the machine's shared PostgreSQL would disturb every other test, so
the app reaches it through a TCP proxy of ours (:mod:`tests.faults.tcp_proxy`)
that is cut as a restart cuts connections: every open one closed, new ones
refused for a while, then accepted again. Meanwhile several threads apply
through the mobile API as the mini-program does: create a draft and submit it,
each with an ``Idempotency-Key``, retrying with the same key on a 5xx (and on
``409 idempotency_in_flight``) until they get an answer.

What must hold: no 500 at any time (a failure during the cut is a 503 with the
JSON error shape); the app recovers by itself (``pool_pre_ping`` replaces dead
connections); every client ends with every application accepted, and in the
database each exists once, with one decision and one outbox message; no key
made a second draft or a second decision.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import Flask

from govcore import applications as apps
from govcore.applications import Application, idempotency
from govcore.applications.models import IdempotencyRecord
from govcore.db import db
from govcore.decisions.models import Decision
from govcore.notifications import OutboxMessage
from tests.api.conftest import dev_login, load_world
from tests.conftest import make_test_app
from tests.faults.tcp_proxy import Proxy, proxy_to

PEOPLE = ("陈伯", "林秀娥", "李振华", "蔡婵娟")  # two approvals, two refusals
ROUNDS = 6  # applications per person
CUT_AFTER = len(PEOPLE)  # applications accepted before the cut: load is on
DOWN_S = 1.5
GIVE_UP_S = 15.0  # a client that has no answer by then reports it lost
# The lease after which a key left "in flight" by a request that lost the
# database may be taken over by a retry (production default: 60 s).
LEASE_S = 1.0
ERROR_SHAPE = {"code", "status", "message", "errors"}


@dataclass
class Client:
    """One mini-program user applying ROUNDS times, retrying like the app does."""

    name: str
    auth: dict[str, str]
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[dict] = field(default_factory=list)
    accepted: list[dict] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    first_after_resume: float = 0.0  # when this client was served again
    answers_lost: int = 0  # work done, answer lost with the connection

    def apply_all(self, app: Flask, timeline: dict[str, float]) -> None:
        client = app.test_client()
        for round_no in range(ROUNDS):
            key = f"{self.name}-{round_no}"
            draft = self.call(
                client,
                timeline,
                "/api/v1/applications",
                key=f"draft-{key}",
                json={"item_code": "aged-allowance"},
            )
            if draft is None:
                self.lost.append(f"draft-{key}")
                continue
            if draft.get("code") == "idempotency_answer_lost":
                draft = self.unknown_draft(client)
            url = f"/api/v1/applications/{draft['id']}"
            result = self.call(client, timeline, url + "/submit", key=f"submit-{key}")
            if result is None:
                self.lost.append(f"submit-{key}")
                continue
            if result.get("code") == "idempotency_answer_lost":
                result = client.get(url, headers=self.auth).json
            self.accepted.append(result)

    def unknown_draft(self, client) -> dict:
        """The draft made by a request whose answer was lost: the one in 我的办件
        this client has not heard of (it applies for one thing at a time)."""
        mine = client.get("/api/v1/applications", headers=self.auth).json
        known = {a["id"] for a in self.accepted}
        (draft,) = [
            a
            for a in mine["applications"]
            if a["status"] == "draft" and a["id"] not in known
        ]
        self.answers_lost += 1
        return draft

    def call(
        self, client, timeline: dict[str, float], url: str, *, key: str, **kwargs
    ) -> dict | None:
        """POST until answered: again after a 5xx or while the key is in flight;
        ``None`` if no answer came within GIVE_UP_S."""
        deadline = time.monotonic() + GIVE_UP_S
        headers = {**self.auth, "Idempotency-Key": key}
        while time.monotonic() < deadline:
            response = client.post(url, headers=headers, **kwargs)
            self.statuses[response.status_code] += 1
            body = response.get_json(silent=True)
            if response.status_code < 300 and "resumed" in timeline:
                self.first_after_resume = self.first_after_resume or time.monotonic()
            if response.status_code >= 500:
                self.errors.append({"status": response.status_code, "body": body})
                time.sleep(0.1)
                continue
            code = body.get("code") if response.status_code == 409 else None
            if code == "idempotency_in_flight":
                time.sleep(0.2)
                continue
            if code == "idempotency_answer_lost":
                self.answers_lost += url.endswith("/submit")
                return body
            assert response.status_code in (200, 201), (url, body)
            return body
        return None


@pytest.fixture
def proxied_app(postgres_app: Flask) -> Iterator[tuple[Flask, Proxy]]:
    """The app on the test schema, reaching PostgreSQL through a proxy."""
    load_world(postgres_app)
    url = sa.make_url(postgres_app.config["SQLALCHEMY_DATABASE_URI"])
    with proxy_to(url.host or "127.0.0.1", url.port or 5432) as proxy:
        app = make_test_app(
            url.set(host="127.0.0.1", port=proxy.port).render_as_string(False),
            IDEMPOTENCY_LEASE_S=LEASE_S,
        )
        yield app, proxy
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_applications_survive_a_database_restart(
    postgres_app: Flask, proxied_app: tuple[Flask, Proxy]
) -> None:
    app, proxy = proxied_app
    login = app.test_client()
    clients = [Client(name, dev_login(login, name)) for name in PEOPLE]
    timeline: dict[str, float] = {}
    threads = [
        threading.Thread(target=c.apply_all, args=(app, timeline)) for c in clients
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + GIVE_UP_S
    while sum(len(c.accepted) for c in clients) < CUT_AFTER:
        assert time.monotonic() < deadline, "the load did not start"
        time.sleep(0.01)
    connections_cut = proxy.cut()
    time.sleep(DOWN_S)
    proxy.resume()
    timeline["resumed"] = time.monotonic()
    for thread in threads:
        thread.join(timeout=GIVE_UP_S * ROUNDS)
    elapsed = time.monotonic() - started

    statuses = sum((c.statuses for c in clients), Counter())
    served_again = max(c.first_after_resume for c in clients) - timeline["resumed"]
    errors = [e for c in clients for e in c.errors]
    print(
        f"\n{len(PEOPLE)} clients × {ROUNDS} applications in {elapsed:.1f} s; "
        f"{connections_cut} connections cut, {proxy.refused} refused while down; "
        f"answers by status {dict(sorted(statuses.items()))}; "
        f"{sum(c.answers_lost for c in clients)} answers lost (work done); "
        f"every client served again {served_again:.2f} s after the restart"
    )
    assert connections_cut > 0 and proxy.refused > 0  # the cut hit the load
    assert not any(t.is_alive() for t in threads)
    # During the cut: 503 with the JSON error shape, never a 500.
    assert errors, "the cut caused no failed request: it missed the load"
    for error in errors:
        assert error["status"] == 503, error
        assert set(error["body"]) == ERROR_SHAPE, error
        assert error["body"]["code"] == "database_unavailable"
    # Recovered without a restart: every client got every answer.
    assert [c.lost for c in clients] == [[]] * len(clients)
    assert 0 < served_again < 1.0 + LEASE_S  # every client, within a lease
    accepted = [a for c in clients for a in c.accepted]
    assert len(accepted) == len(PEOPLE) * ROUNDS
    assert {a["status"] for a in accepted} <= {"approved", "refused"}
    assert_each_exists_once(postgres_app, accepted)


def assert_each_exists_once(app: Flask, accepted: list[dict]) -> None:
    ids = [a["id"] for a in accepted]
    assert len(set(ids)) == len(ids)
    with app.app_context():
        rows = db.session.execute(
            sa.select(Application.id, Application.public_id, Application.status)
        ).all()
        # No key made a second draft: every row is an application a client has.
        assert sorted(r.public_id for r in rows) == sorted(ids)
        by_id = {r.public_id: r for r in rows}
        decisions = Counter(db.session.scalars(sa.select(Decision.application_id)))
        messages = Counter(
            db.session.scalars(
                sa.select(OutboxMessage.application_id).where(
                    OutboxMessage.kind.like("decision_%")
                )
            )
        )
        for answer in accepted:
            row = by_id[answer["id"]]
            assert row.status.value == answer["status"]
            assert decisions[row.id] == 1, answer["reference_no"]
            assert messages[row.id] == 1, answer["reference_no"]


# The two ways a request can lose the database, one at a time: before its work
# was committed (the key is taken over after its lease), and after (the key
# is never run again).

DRAFT = {"item_code": "aged-allowance"}


def database_gone(*args, **kwargs):
    raise sa.exc.OperationalError("COMMIT", {}, ConnectionResetError("cut"))


def drafts(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Application.id)))


def age_keys(app: Flask, by: timedelta) -> None:
    """Make every key as if reserved ``by`` earlier."""
    with app.app_context():
        for record in db.session.scalars(sa.select(IdempotencyRecord)):
            record.created_at -= by
        db.session.commit()


def test_a_key_left_in_flight_is_taken_over_after_its_lease(
    world, login, client, monkeypatch
) -> None:
    auth = {**login("陈伯"), "Idempotency-Key": "lost-before-commit"}
    with monkeypatch.context() as patch:  # the database goes mid-request
        patch.setattr("govcore.applications.create_draft", database_gone)
        patch.setattr(idempotency, "finish", database_gone)
        failed = client.post("/api/v1/applications", json=DRAFT, headers=auth)
    assert failed.status_code == 503, failed.json
    assert failed.json["code"] == "database_unavailable"
    assert failed.headers["Retry-After"]
    waiting = client.post("/api/v1/applications", json=DRAFT, headers=auth)
    assert waiting.status_code == 409  # it might still be running
    assert waiting.json["code"] == "idempotency_in_flight"
    age_keys(world, timedelta(seconds=world.config["IDEMPOTENCY_LEASE_S"] + 1))
    taken_over = client.post("/api/v1/applications", json=DRAFT, headers=auth)
    assert taken_over.status_code == 201, taken_over.json
    replayed = client.post("/api/v1/applications", json=DRAFT, headers=auth)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json["id"] == taken_over.json["id"]
    assert drafts(world) == 1


def test_a_slow_request_whose_key_was_taken_over_commits_nothing(
    world, login, client, monkeypatch
) -> None:
    """A first request that outlives its lease is not dead: when it finally
    commits, a retry has taken the key over and done the work, so the slow
    one's work is rolled back instead of making a second draft."""
    auth = {**login("陈伯"), "Idempotency-Key": "slow-first"}
    create_draft = apps.create_draft
    retried = []
    slowed = threading.Event()

    def slow_then_create(*args, **kwargs):
        if not slowed.is_set():  # while the first request runs, its lease runs out
            slowed.set()
            lease = world.config["IDEMPOTENCY_LEASE_S"]
            age_keys(world, timedelta(seconds=lease + 1))
            retry = threading.Thread(  # the client's retry, on its own connection
                target=lambda: retried.append(
                    world.test_client().post(
                        "/api/v1/applications", json=DRAFT, headers=auth
                    )
                )
            )
            retry.start()
            retry.join()
        return create_draft(*args, **kwargs)

    monkeypatch.setattr("govcore.applications.create_draft", slow_then_create)
    slow = client.post("/api/v1/applications", json=DRAFT, headers=auth)
    assert retried[0].status_code == 201, retried[0].json
    assert slow.status_code == 409, slow.json
    assert slow.json["code"] == "idempotency_taken_over"
    assert drafts(world) == 1
    again = client.post("/api/v1/applications", json=DRAFT, headers=auth)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == retried[0].json["id"]


def test_a_key_whose_work_was_committed_is_never_run_again(
    world, login, client, monkeypatch
) -> None:
    auth = {**login("陈伯"), "Idempotency-Key": "lost-after-commit"}
    with monkeypatch.context() as patch:  # the draft commits, then the database goes
        patch.setattr(idempotency, "finish", database_gone)
        failed = client.post("/api/v1/applications", json=DRAFT, headers=auth)
    assert failed.status_code == 503
    age_keys(world, timedelta(hours=1))  # even long after the lease
    again = client.post("/api/v1/applications", json=DRAFT, headers=auth)
    assert again.status_code == 409
    assert again.json["code"] == "idempotency_answer_lost"
    assert "我的办件" in again.json["message"]
    assert drafts(world) == 1
    mine = client.get("/api/v1/applications", headers=auth).json["applications"]
    assert [a["status"] for a in mine] == ["draft"]


def test_losing_the_database_while_deciding_is_no_decision(
    world, login, client, monkeypatch
) -> None:
    """Fail closed covers the data sources, not our own database: a decision
    that cannot be recorded is not made (no "manual review" for a 503)."""
    auth = login("陈伯")
    draft = client.post("/api/v1/applications", json=DRAFT, headers=auth).json
    url = f"/api/v1/applications/{draft['id']}/submit"
    headers = {**auth, "Idempotency-Key": "decide"}
    with monkeypatch.context() as patch:
        patch.setattr(world.extensions["miaopi.datasource"], "fetch", database_gone)
        failed = client.post(url, headers=headers)
    assert failed.status_code == 503, failed.json
    assert (
        client.get(f"/api/v1/applications/{draft['id']}", headers=auth).json["status"]
        == "draft"
    )
    retried = client.post(url, headers=headers)  # the key was freed
    assert retried.status_code == 200 and retried.json["status"] == "approved"
