"""Fault: the notification worker is killed between sending and marking sent.

The worker is the real command, ``flask --app webapp notifications run``, in
a subprocess on a SQLite file; the SMS gateway is a fake on loopback that
checks signatures and records every request. The first SMS it receives it
holds unanswered while the test kills the worker (SIGKILL), so the delivery
is left ``sending``: the gateway has the message, the outbox does not know.

What must hold: a new worker takes the delivery over once its lease has run
out and sends it again, exactly once more (at-least-once, one duplicate at
most), and the duplicate carries the same ``request_id`` (the message's event
id), by which the gateway deduplicates; the inbox item is not duplicated.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from flask import Flask

from govcore.datahub.gateway_signing import verify
from govcore.db import db
from govcore.notifications import InboxItem, NotificationDelivery, OutboxMessage
from tests.api.conftest import create_draft, dev_login
from tests.conftest import KEYS_ROOT, UPLOAD_ROOT
from tests.http_fake import QuietHandler

if TYPE_CHECKING:
    from tests.faults.conftest import Processes

pytestmark = pytest.mark.slow

SMS_PATH = "/sms/v1/send"
SMS_KEY = "miaopi-notify"
SMS_SECRET = "sms-secret-fault"
LEASE_S = 1.0
START_S = 20.0  # a worker's start (imports, app) and first round


class HoldingSmsGateway:
    """Answers 200 to signed sends, but holds the first one until released."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.first_arrived = threading.Event()
        self.release_first = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = False  # joined by server_close()
        self.server.fake = self  # type: ignore[attr-defined]

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{SMS_PATH}"

    def request_ids(self) -> list[str]:
        with self.lock:
            return [r["request_id"] for r in self.received]


class _Handler(QuietHandler):

    def do_POST(self) -> None:
        fake: HoldingSmsGateway = self.server.fake  # type: ignore[attr-defined]
        body = self.body()
        signed = verify(
            SMS_SECRET, "POST", self.path, self.headers, body, now=time.time()
        )
        if self.path != SMS_PATH or not signed:
            return self.send_json(401, {"error": "unauthorised"})
        with fake.lock:
            fake.received.append(json.loads(body))
            first = len(fake.received) == 1
        if first:  # received, and the worker waits for our answer
            fake.first_arrived.set()
            fake.release_first.wait(30)
        self.send_json(200, {"message_id": f"sms-{len(fake.received)}"})


@pytest.fixture
def sms_gateway(serve: Callable[..., Any]) -> Iterator[HoldingSmsGateway]:
    fake = HoldingSmsGateway()
    serve(fake.server, poll_interval=0.01)
    yield fake
    fake.release_first.set()  # before the server is closed (conftest.serve)


class Worker:
    """``flask --app webapp notifications run`` on the test's database."""

    def __init__(
        self,
        app: Flask,
        gateway: HoldingSmsGateway,
        tmp_path: Path,
        processes: Processes,
    ):
        self.env = {
            **os.environ,
            "MIAOPI_CONFIG": "testing",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "MIAOPI_INSTANCE_PATH": str(tmp_path / "instance"),
            "MIAOPI_UPLOAD_DIR": UPLOAD_ROOT,
            "MIAOPI_DOCUMENT_KEY_DIR": f"{KEYS_ROOT}/keys",
            "MIAOPI_DOCUMENT_PKI_DIR": f"{KEYS_ROOT}/pki",
            "MIAOPI_NOTIFY_SMS_URL": gateway.url,
            "MIAOPI_NOTIFY_SMS_APP_KEY": SMS_KEY,
            "MIAOPI_NOTIFY_SMS_APP_SECRET": SMS_SECRET,
            "MIAOPI_NOTIFY_SMS_TIMEOUT": "30",
            "MIAOPI_NOTIFY_LEASE_S": str(LEASE_S),
        }
        self.log = tmp_path / "worker.log"
        self.processes = processes
        self.process: subprocess.Popen | None = None

    def start(self, name: str) -> None:
        self.process = self.processes.start(
            [sys.executable, "-m", "flask", "--app", "webapp"]
            + ["notifications", "run", "--interval", "0.1", "--worker", name],
            env=self.env,
            log=self.log,
        )

    def kill(self) -> None:
        assert self.process is not None
        assert self.processes.kill(self.process) == -signal.SIGKILL

    def stop(self) -> None:
        """Ctrl-C: the worker ends its round and exits."""
        if self.process is not None:
            self.processes.stop(self.process)


def sms_delivery(app: Flask) -> NotificationDelivery:
    with app.app_context():
        return db.session.scalars(
            sa.select(NotificationDelivery).where(NotificationDelivery.channel == "sms")
        ).one()


def test_a_killed_worker_sends_again_once_with_the_same_event_id(
    app_on_file: Flask,
    sms_gateway: HoldingSmsGateway,
    tmp_path: Path,
    processes: Processes,
    until: Callable[..., bool],
) -> None:
    app = app_on_file
    client = app.test_client()
    auth = dev_login(client, "陈伯")
    draft = create_draft(client, auth, "aged-allowance")
    decided = client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        headers={**auth, "Idempotency-Key": "worker-killed"},
    )
    assert decided.json["status"] == "approved"
    with app.app_context():
        message = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "decision_approve")
        ).one()
        event_id = message.event_id

    worker = Worker(app, sms_gateway, tmp_path, processes)
    try:
        worker.start("first")
        assert sms_gateway.first_arrived.wait(START_S), worker.log.read_text()
        worker.kill()  # the gateway has the SMS; the worker never heard back
        killed_at = time.monotonic()
        sms_gateway.release_first.set()
        left = sms_delivery(app)
        assert (left.status.value, left.attempts) == ("sending", 1)

        worker.start("second")
        assert until(
            lambda: sms_delivery(app).status.value == "sent", START_S, every=0.05
        ), worker.log.read_text()
        resent_after = time.monotonic() - killed_at
        time.sleep(2 * LEASE_S)  # no further attempt comes
    finally:
        worker.stop()

    delivery = sms_delivery(app)
    assert (delivery.attempts, delivery.claimed_by) == (2, "second")
    assert resent_after >= LEASE_S  # taken over only once the lease ran out
    # Delivered twice in all, at most one duplicate, and both carry the
    # message's event id: the gateway keeps one.
    assert sms_gateway.request_ids() == [event_id, event_id]
    first, second = sms_gateway.received
    assert first == second
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(InboxItem.id))) == 1
    print(
        f"\nSMS {event_id}: sent {len(sms_gateway.received)} times "
        f"(same request_id), resent {resent_after:.1f} s after the kill "
        f"(lease {LEASE_S:g} s)"
    )
