"""A fake provincial data-sharing gateway on loopback, serving personas' records.

The records are exported from a sandbox database (:func:`persona_records`)
and served over the signed gateway protocol (``docs/datahub-gateway.md``):
each request's signature is checked as the real gateway would, with
:func:`govcore.datahub.gateway.verify`. Tests then make sources fail:

- :attr:`RecordsGateway.hanging`: every query is read and never answered
  (the connection stays silent until the test ends);
- :attr:`RecordsGateway.slow`: queries to these sources stall for
  ``slow_s`` seconds, past the client's read timeout, then are answered.

The app of :func:`app_on_gateway` reads its shared data through the HTTP
gateway adapter from such a fake.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from typing import Any

from flask import Flask

from govcore import catalog
from govcore.clock import utcnow
from govcore.datahub.gateway import verify
from govcore.datahub.sandbox.service import describe_subject
from tests.api.conftest import CATALOG, PERSON
from tests.conftest import world_app
from tests.http_fake import QuietHandler

APP_KEY = "miaopi-test"
HANG_S = 30.0  # a hung query's longest wait for the test to end

Records = dict[tuple[str, str], dict[str, Any]]  # (source, subject id) → record


class RecordsGateway:
    """The gateway protocol on loopback over ``records``; see the module docstring.

    Use it as a context manager: served on entering, and on leaving every
    stalled query is released and the server stopped.
    """

    def __init__(self, records: Records, *, secret: str, slow_s: float = HANG_S):
        self.records = records
        self.secret = secret
        self.hanging = False
        self.slow: set[str] = set()
        self.slow_s = slow_s
        self.queries: list[tuple[str, bool]] = []  # (source, hung?)
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = False  # joined by server_close()
        self.server.gateway = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def calls(self) -> int:
        with self.lock:
            return len(self.queries)

    def __enter__(self) -> RecordsGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class _Handler(QuietHandler):

    def do_POST(self) -> None:
        gateway: RecordsGateway = self.server.gateway  # type: ignore[attr-defined]
        body = self.body()
        if not verify(
            gateway.secret, "POST", self.path, self.headers, body, now=time.time()
        ):
            return self.send_json(401, {"error": "bad_signature"})
        query = json.loads(body)
        with gateway.lock:
            hung = gateway.hanging
            gateway.queries.append((query["source"], hung))
        if hung:
            gateway.release.wait(HANG_S)  # connected, read, and silent
            return
        if query["source"] in gateway.slow:
            gateway.release.wait(gateway.slow_s)
        record = gateway.records.get((query["source"], query["subject_id"]))
        if record is None:
            return self.send_json(404, {"error": "no_record"})
        self.send_json(
            200,
            {
                "source": query["source"],
                "subject_id": query["subject_id"],
                "record_id": record["record_id"],
                "data": record["data"],
            },
        )


def persona_records(names: Iterable[str]) -> Records:
    """The personas' records as the real gateway would hold them."""
    with world_app("sqlite://") as sandbox, sandbox.app_context():
        return {
            (source, subject): {"record_id": row.record_id, "data": row.data}
            for subject in (PERSON[name].id_number for name in names)
            for source, row in describe_subject(subject).items()
        }


@contextmanager
def app_on_gateway(gateway: RecordsGateway, **config: Any) -> Iterator[Flask]:
    """An app with the catalogue loaded, reading shared data from ``gateway``.

    :param config: further settings, e.g. ``DATAHUB_GATEWAY_READ_TIMEOUT``.
    """
    settings = dict(
        DATAHUB_ADAPTER="gateway",
        DATAHUB_GATEWAY_URL=gateway.url,
        DATAHUB_GATEWAY_APP_KEY=APP_KEY,
        DATAHUB_GATEWAY_APP_SECRET=gateway.secret,
    )
    with world_app("sqlite://", world=False, **settings, **config) as app:
        with app.app_context():
            catalog.load_catalog(catalog.read_catalog(CATALOG), now=utcnow())
        yield app
