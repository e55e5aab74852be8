"""A real timeout: the app reads shared data through the HTTP gateway adapter
from a fake provincial gateway on loopback, and one source stops answering.

The fake serves the sandbox personas' records (exported from a sandbox
database) over the signed gateway protocol; a source marked slow stalls past
the client's read timeout. The decision must then go to a person.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask

from govcore.datahub.gateway import verify
from govcore.datahub.sandbox.service import describe_subject
from govcore.db import db
from tests.api.conftest import PERSON, create_draft, dev_login, load_world
from tests.conftest import make_test_app

SECRET = "gateway-test-secret"
READ_TIMEOUT = 0.3


class RegistryGateway:
    def __init__(self, records: dict[tuple[str, str], dict[str, Any]]) -> None:
        self.records = records
        self.slow: set[str] = set()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = False
        self.server.gateway = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        gateway: RegistryGateway = self.server.gateway  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not verify(SECRET, "POST", self.path, self.headers, body, now=time.time()):
            return self._send(401, {"error": "bad_signature"})
        query = json.loads(body)
        if query["source"] in gateway.slow:
            gateway.release.wait(READ_TIMEOUT * 10)
        record = gateway.records.get((query["source"], query["subject_id"]))
        if record is None:
            return self._send(404, {"error": "no_record"})
        self._send(
            200,
            {
                "source": query["source"],
                "subject_id": query["subject_id"],
                "record_id": record["record_id"],
                "data": record["data"],
            },
        )

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client timed out


def _export_personas() -> dict[tuple[str, str], dict[str, Any]]:
    sandbox = make_test_app("sqlite://")
    with sandbox.app_context():
        db.create_all()
    load_world(sandbox)
    records = {}
    with sandbox.app_context():
        for name in ("陈伯", "李振华"):
            subject = PERSON[name].id_number
            for source, row in describe_subject(subject).items():
                records[(source, subject)] = {
                    "record_id": row.record_id,
                    "data": row.data,
                }
        db.session.remove()
        db.engine.dispose()
    return records


@pytest.fixture
def gateway() -> Iterator[RegistryGateway]:
    fake = RegistryGateway(_export_personas())
    fake.thread.start()
    yield fake
    fake.release.set()
    fake.server.shutdown()
    fake.server.server_close()
    fake.thread.join()


@pytest.fixture
def gateway_app(gateway: RegistryGateway) -> Iterator[Flask]:
    app = make_test_app(
        "sqlite://",
        DATAHUB_ADAPTER="gateway",
        DATAHUB_GATEWAY_URL=gateway.url,
        DATAHUB_GATEWAY_APP_KEY="miaopi-test",
        DATAHUB_GATEWAY_APP_SECRET=SECRET,
        DATAHUB_GATEWAY_READ_TIMEOUT=READ_TIMEOUT,
        DATAHUB_GATEWAY_RETRIES=0,
        DATAHUB_GATEWAY_BACKOFF=0.0,
    )
    with app.app_context():
        db.create_all()
        from govcore import catalog
        from govcore.clock import utcnow
        from tests.api.conftest import CATALOG

        catalog.load_catalog(catalog.read_catalog(CATALOG), now=utcnow())
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _submit(client, name: str) -> dict:
    auth = dev_login(client, name)
    draft = create_draft(client, auth, "aged-allowance")
    response = client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        headers={**auth, "Idempotency-Key": name},
    )
    assert response.status_code == 200, response.json
    return response.json


def test_decides_through_the_gateway_when_it_answers(gateway_app) -> None:
    assert _submit(gateway_app.test_client(), "陈伯")["status"] == "approved"


def test_a_source_that_times_out_sends_the_case_to_a_person(
    gateway_app, gateway
) -> None:
    client = gateway_app.test_client()
    auth = dev_login(client, "陈伯")
    draft = create_draft(client, auth, "aged-allowance")  # prefilled in time
    gateway.slow.add("SI")
    started = time.perf_counter()
    response = client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        headers={**auth, "Idempotency-Key": "slow"},
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.json
    assert response.json["status"] == "manual_review"
    (reason,) = response.json["decision"]["explanation"]
    assert reason["unavailable"] == ["社会保险（人社）"]
    assert elapsed < READ_TIMEOUT * 10  # gave up at the timeout, did not hang
