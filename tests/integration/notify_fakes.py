"""Fake notification gateways served on loopback, for the notification tests.

:class:`FakeSmsGateway` checks every request's HMAC signature (as the real
gateway would, with :func:`govcore.datahub.gateway_signing.verify`) and
answers with scripted statuses; :class:`FakeMiniProgramPlatform` hands out
access tokens and accepts subscription messages, answering with scripted
errcodes. Both record every request they receive, so tests can count what
went over the wire and read the bodies.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from govcore.datahub.gateway_signing import verify

from tests.http_fake import QuietHandler

SMS_PATH = "/sms/v1/send"
SMS_KEY = "miaopi-notify"
SMS_SECRET = "sms-secret-3b8e0c"

APP_ID = "wx0123456789abcdef"
APP_SECRET = "app-secret-5f2d9c0e7b"
TEMPLATE_ID = "tmpl-progress-001"
TOKEN_PATH = "/cgi-bin/token"
SEND_PATH = "/cgi-bin/message/subscribe/send"


@dataclass(frozen=True)
class Received:
    """One request as a fake gateway received it."""

    method: str
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class _LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 that records requests."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        # Handler threads are joined by server_close(): none outlives a test.
        self.server.daemon_threads = False
        self.server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}
        )

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def record(self, received: Received) -> None:
        with self.lock:
            self.received.append(received)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    def __enter__(self):  # type: ignore[no-untyped-def]
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(QuietHandler):

    def _receive(self, method: str) -> Received:
        target = urlsplit(self.path)
        body = self.body()
        received = Received(
            method,
            target.path,
            parse_qs(target.query),
            {k: v for k, v in self.headers.items()},
            body,
        )
        self.server.fake.record(received)  # type: ignore[attr-defined]
        return received


# --------------------------------------------------------------------------- #
# SMS gateway
# --------------------------------------------------------------------------- #


class FakeSmsGateway(_LoopbackServer):
    """``POST /sms/v1/send``: 401 on a bad signature, else the scripted status.

    :attr:`statuses` are answered in turn; then :attr:`default` (200).
    """

    def __init__(self, *, latency: float = 0.0) -> None:
        super().__init__(_SmsHandler)
        self.statuses: deque[int] = deque()
        self.default = 200
        self.latency = latency
        self.bad_signatures = 0

    @property
    def send_url(self) -> str:
        return self.url(SMS_PATH)

    def next_status(self) -> int:
        with self.lock:
            return self.statuses.popleft() if self.statuses else self.default

    @property
    def accepted(self) -> list[dict[str, Any]]:
        """Bodies of the requests answered 200 with a valid signature."""
        with self.lock:
            return [
                r.json for r in self.received if r.headers.get("X-Answered") == "200"
            ]

    def per_request_id(self) -> Counter[str]:
        return Counter(body["request_id"] for body in self.accepted)


class _SmsHandler(_Handler):
    def do_POST(self) -> None:
        fake: FakeSmsGateway = self.server.fake  # type: ignore[attr-defined]
        received = self._receive("POST")
        signed = (
            verify(
                SMS_SECRET,
                "POST",
                received.path,
                received.headers,
                received.body,
                now=time.time(),
            )
            and received.headers.get("X-App-Key") == SMS_KEY
        )
        if received.path != SMS_PATH or not signed:
            with fake.lock:
                fake.bad_signatures += not signed
            self.send_json(401 if not signed else 404, {"error": "unauthorised"})
            return
        if fake.latency:
            time.sleep(fake.latency)
        status = fake.next_status()
        # Mark the record so tests can tell accepted messages from refusals.
        received.headers["X-Answered"] = str(status)
        if status == 200:
            self.send_json(200, {"message_id": f"sms-{id(received):x}"})
        else:
            self.send_json(
                status, {"error": "scripted", "phone": received.json["phone"]}
            )


# --------------------------------------------------------------------------- #
# Mini-program platform
# --------------------------------------------------------------------------- #


class FakeMiniProgramPlatform(_LoopbackServer):
    """Token endpoint and subscription-message endpoint.

    :attr:`errcodes` are answered in turn to sends with a valid token; a send
    with a token that is not the current one gets errcode 42001.
    """

    def __init__(self) -> None:
        super().__init__(_PlatformHandler)
        self.errcodes: deque[int] = deque()
        self.tokens_issued = 0
        self.current_token: str | None = None

    @property
    def send_url(self) -> str:
        return self.url(SEND_PATH)

    @property
    def token_url(self) -> str:
        return self.url(TOKEN_PATH)

    def issue_token(self) -> str:
        with self.lock:
            self.tokens_issued += 1
            self.current_token = f"token-{self.tokens_issued}"
            return self.current_token

    def expire_token(self) -> None:
        with self.lock:
            self.current_token = None

    def next_errcode(self) -> int:
        with self.lock:
            return self.errcodes.popleft() if self.errcodes else 0

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Bodies of the messages the platform accepted."""
        with self.lock:
            return [
                r.json
                for r in self.received
                if r.path == SEND_PATH and r.headers.get("X-Answered") == "0"
            ]


class _PlatformHandler(_Handler):
    def do_GET(self) -> None:
        fake: FakeMiniProgramPlatform = self.server.fake  # type: ignore[attr-defined]
        received = self._receive("GET")
        params = received.params
        if received.path != TOKEN_PATH:
            self.send_json(404, {"errcode": 404})
        elif params.get("appid") != [APP_ID] or params.get("secret") != [APP_SECRET]:
            self.send_json(200, {"errcode": 40125, "errmsg": "invalid appsecret"})
        else:
            self.send_json(
                200, {"access_token": fake.issue_token(), "expires_in": 7200}
            )

    def do_POST(self) -> None:
        fake: FakeMiniProgramPlatform = self.server.fake  # type: ignore[attr-defined]
        received = self._receive("POST")
        if received.path != SEND_PATH:
            self.send_json(404, {"errcode": 404})
            return
        token = received.params.get("access_token", [""])[0]
        errcode = 42001 if token != fake.current_token else fake.next_errcode()
        received.headers["X-Answered"] = str(errcode)
        self.send_json(200, {"errcode": errcode, "errmsg": "scripted", "msgid": 77})
