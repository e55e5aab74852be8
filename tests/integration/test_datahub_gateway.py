"""The gateway adapter against a real (fake) gateway served on loopback.

No HTTP mocking: every test talks HTTP to a ``ThreadingHTTPServer`` whose
answer to each call is scripted by the test, and which checks the HMAC
signature with :func:`govcore.datahub.gateway.verify` as the real gateway
would. The fake records every request so tests can assert what went over the
wire (and what never did: the subject id in the URL).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from govcore.datahub.gateway import (
    GatewayDataSource,
    GatewaySettings,
    sign,
    verify,
)
from govcore.datahub.ports import (
    HolderMismatchError,
    NoRecordError,
    SourceUnavailableError,
)
from govcore.errors import ValidationError

from tests.http_fake import QuietHandler

SECRET = "test-secret"
APP_KEY = "miaopi-test"
SUBJECT = "440507194401150010"
OTHER_SUBJECT = "440507194401150029"
NOW = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)

READ_TIMEOUT_S = 0.2
BACKOFF_S = 0.01
RESET_S = 0.3
# How long a "slow" answer stalls: well past the client's read timeout. The
# fixture releases stalled handlers on teardown so shutdown stays quick.
SLOW_S = 1.0


def no_sleep(_: float) -> None:
    """Back-off that does not wait: the delays are asserted, not endured."""


# --------------------------------------------------------------------------- #
# The fake gateway
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Recorded:
    """One request as the fake gateway received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool


class FakeGateway:
    """Scripted gateway: each request consumes the next behaviour in ``script``."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.prefix = ""
        self.script: deque[str] = deque()
        self.requests: list[Recorded] = []
        self.unscripted = 0
        self.release = threading.Event()
        self.barrier = threading.Barrier(2, timeout=1.0)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        # Non-daemon handler threads are joined by server_close(), so no
        # handler outlives the test.
        self.server.daemon_threads = False
        self.server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}
        )

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{self.prefix}"

    def push(self, *behaviours: str) -> None:
        with self._lock:
            self.script.extend(behaviours)

    def record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)

    def next_behaviour(self) -> str | None:
        with self._lock:
            if not self.script:
                self.unscripted += 1
                return None
            return self.script.popleft()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release.set()
        self.barrier.abort()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


class _Handler(QuietHandler):
    # HTTP/1.0: one request per connection, so no keep-alive handler thread
    # lingers waiting for a next request when the server is closed.

    def do_POST(self) -> None:
        fake: FakeGateway = self.server.fake  # type: ignore[attr-defined]
        body = self.body()
        target = urlsplit(self.path)
        ok = verify(
            fake.secret, "POST", target.path, self.headers, body, now=time.time()
        )
        recorded = Recorded(
            "POST", target.path, target.query, dict(self.headers.items()), body, ok
        )
        fake.record(recorded)
        if not ok:
            self.send_json(401, {"error": "bad_signature"})
            return
        if target.path != f"{fake.prefix}/v1/query":
            self.send_body(404, b"<html>Not Found</html>", "text/html")
            return
        behaviour = fake.next_behaviour()
        if behaviour is None:
            self.send_json(500, {"error": "unscripted call"})
            return
        query = json.loads(body)
        answer = {
            "source": query["source"],
            "subject_id": query["subject_id"],
            "record_id": "rec-0001",
            "data": {"name": "张三", "district_code": "440507"},
        }
        if behaviour == "slow":
            fake.release.wait(SLOW_S)
        elif behaviour == "rendezvous":
            # Succeeds only if another request is in flight at the same time.
            try:
                fake.barrier.wait()
            except threading.BrokenBarrierError:
                behaviour = "500"
        elif behaviour == "malformed":
            self.send_body(200, b"<html>oops</html>", "text/html")
            return
        elif behaviour == "redirect":
            self.send_body(307, b"", "text/plain", {"Location": "/elsewhere"})
            return
        self.send_json(*_json_answers(answer)[behaviour])


def _json_answers(answer: dict[str, Any]) -> dict[str, tuple[int, Any]]:
    """Status and JSON body of each scripted behaviour answered with JSON."""

    def without(key: str) -> dict[str, Any]:
        return {k: v for k, v in answer.items() if k != key}

    return {
        "ok": (200, answer),
        "slow": (200, answer),
        "rendezvous": (200, answer),
        "500": (500, {"error": "backend down"}),
        "503": (503, {"error": "backend down"}),
        "not_object": (200, [answer]),
        "no_record_id": (200, without("record_id")),
        "data_not_object": (200, {**answer, "data": ["x"]}),
        "wrong_source": (200, {**answer, "source": "CA"}),
        "no_subject": (200, without("subject_id")),
        "wrong_holder": (200, {**answer, "subject_id": OTHER_SUBJECT}),
        "no_record": (404, {"error": "no_record"}),
        "unauthorised": (401, {"error": "unauthorised"}),
    }


# --------------------------------------------------------------------------- #
# Fixtures and helpers
# --------------------------------------------------------------------------- #


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    fake = FakeGateway(SECRET)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.unscripted == 0, "a request arrived that the test did not script"


@pytest.fixture
def http_session() -> Iterator[requests.Session]:
    s = requests.Session()
    # Loopback must not go through a proxy configured in the environment.
    s.trust_env = False
    try:
        yield s
    finally:
        s.close()


SourceFactory = Callable[..., GatewayDataSource]


@pytest.fixture
def make_source(
    gateway: FakeGateway, http_session: requests.Session
) -> Callable[..., GatewayDataSource]:
    def factory(
        *, sleep: Callable[[float], None] = no_sleep, **overrides: Any
    ) -> GatewayDataSource:
        settings = GatewaySettings(
            base_url=gateway.base_url,
            app_key=APP_KEY,
            app_secret=SECRET,
            connect_timeout_s=0.5,
            read_timeout_s=READ_TIMEOUT_S,
            max_retries=2,
            backoff_s=BACKOFF_S,
            breaker_fail_max=5,
            breaker_reset_s=RESET_S,
        )
        return GatewayDataSource(
            replace(settings, **overrides), session=http_session, sleep=sleep
        )

    return factory


def assert_no_subject(exc: BaseException) -> None:
    """Neither the error nor anything chained to it mentions a subject id."""
    seen: BaseException | None = exc
    while seen is not None:
        for text in (str(seen), repr(seen), getattr(seen, "message", "")):
            assert SUBJECT not in text
            assert OTHER_SUBJECT not in text
        seen = seen.__cause__ or seen.__context__


def assert_nothing_leaked(requests_seen: list[Recorded]) -> None:
    for r in requests_seen:
        assert SUBJECT not in r.path and SUBJECT not in r.query
        assert all(SUBJECT not in v for v in r.headers.values())


# --------------------------------------------------------------------------- #
# Success and the wire format
# --------------------------------------------------------------------------- #


def test_ok_returns_record_and_signs_request(
    gateway: FakeGateway, make_source: SourceFactory
) -> None:
    gateway.push("ok")
    record = make_source().fetch("HK", SUBJECT, now=NOW)

    assert record.source == "HK"
    assert record.subject_id == SUBJECT
    assert record.record_id == "rec-0001"
    assert record.fetched_at == NOW
    assert record.data == {"name": "张三", "district_code": "440507"}
    assert record.provenance.record_id == "rec-0001"

    [sent] = gateway.requests
    assert sent.path == "/v1/query" and sent.query == ""
    assert_nothing_leaked(gateway.requests)
    assert json.loads(sent.body) == {"source": "HK", "subject_id": SUBJECT}
    assert sent.signature_ok
    assert sent.headers["X-App-Key"] == APP_KEY
    assert len(sent.headers["X-Nonce"]) == 32
    int(sent.headers["X-Nonce"], 16)
    assert abs(int(sent.headers["X-Timestamp"]) - time.time()) < 5
    # The peer-side check, re-done here on what actually went over the wire.
    assert verify(SECRET, "POST", sent.path, sent.headers, sent.body, now=time.time())


def test_base_url_path_prefix_is_part_of_the_signed_path(
    gateway: FakeGateway, make_source: SourceFactory
) -> None:
    gateway.prefix = "/gw/datashare"
    gateway.push("ok")
    make_source().fetch("HK", SUBJECT, now=NOW)
    [sent] = gateway.requests
    assert sent.path == "/gw/datashare/v1/query"
    assert sent.signature_ok


def test_default_session_is_created_and_closed(
    gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.lower(), raising=False)
    gateway.push("ok")
    settings = GatewaySettings(gateway.base_url, APP_KEY, SECRET)
    with GatewayDataSource(settings) as source:
        assert source.fetch("MR", SUBJECT, now=NOW).source == "MR"


# --------------------------------------------------------------------------- #
# Retries
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("behaviour", ["500", "503", "slow"])
def test_retries_exactly_max_retries_then_unavailable(
    gateway: FakeGateway, make_source: SourceFactory, behaviour: str
) -> None:
    gateway.push(behaviour, behaviour, behaviour)
    slept: list[float] = []
    source = make_source(sleep=slept.append)

    with pytest.raises(SourceUnavailableError) as info:
        source.fetch("HK", SUBJECT, now=NOW)

    assert type(info.value) is SourceUnavailableError
    assert len(gateway.requests) == 3  # 1 + max_retries
    assert slept == pytest.approx([BACKOFF_S, BACKOFF_S * 2])
    assert info.value.source == "HK"
    assert "HK" in str(info.value)
    if behaviour != "slow":
        assert f"HTTP {behaviour}" in str(info.value)
    else:
        assert "timeout" in str(info.value)
    assert_no_subject(info.value)
    assert_nothing_leaked(gateway.requests)


def test_500_then_ok_succeeds_on_second_call_with_fresh_nonce(
    gateway: FakeGateway, make_source: SourceFactory
) -> None:
    gateway.push("500", "ok")
    record = make_source().fetch("CA", SUBJECT, now=NOW)
    assert record.source == "CA"
    assert len(gateway.requests) == 2
    first, second = gateway.requests
    assert first.signature_ok and second.signature_ok
    # A retry is a new signed request, not a replay of the first one.
    assert first.headers["X-Nonce"] != second.headers["X-Nonce"]


def test_connection_refused_is_retried_then_unavailable(
    http_session: requests.Session,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on ``port`` any more.
    slept: list[float] = []
    settings = GatewaySettings(
        f"http://127.0.0.1:{port}", APP_KEY, SECRET, backoff_s=BACKOFF_S
    )
    source = GatewayDataSource(settings, session=http_session, sleep=slept.append)
    with pytest.raises(SourceUnavailableError, match="connection error") as info:
        source.fetch("HK", SUBJECT, now=NOW)
    assert len(slept) == 2
    assert_no_subject(info.value)


def test_retry_warnings_do_not_log_the_subject(
    gateway: FakeGateway,
    make_source: SourceFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    gateway.push("503", "ok")
    with caplog.at_level(logging.WARNING, logger="govcore.datahub.gateway"):
        make_source().fetch("HK", SUBJECT, now=NOW)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1
    assert "HK" in messages[0] and "HTTP 503" in messages[0]
    assert all(SUBJECT not in m for m in messages)


# --------------------------------------------------------------------------- #
# Answers that are not retried
# --------------------------------------------------------------------------- #


def test_no_record_is_not_retried(
    gateway: FakeGateway, make_source: SourceFactory
) -> None:
    gateway.push("no_record")
    with pytest.raises(NoRecordError) as info:
        make_source().fetch("DPF", SUBJECT, now=NOW)
    assert not isinstance(info.value, SourceUnavailableError)
    assert len(gateway.requests) == 1
    assert_no_subject(info.value)


def test_bare_404_from_wrong_base_url_is_unavailable_not_no_record(
    gateway: FakeGateway, http_session: requests.Session
) -> None:
    # A wrong prefix hits a 404 page. Reading it as "holds no record" would
    # let a rule conclude, say, "not on 低保": it must fail closed instead.
    settings = GatewaySettings(gateway.base_url + "/wrong", APP_KEY, SECRET)
    source = GatewayDataSource(settings, session=http_session, sleep=no_sleep)
    with pytest.raises(SourceUnavailableError, match="404") as info:
        source.fetch("CA", SUBJECT, now=NOW)
    assert not isinstance(info.value, NoRecordError)
    assert len(gateway.requests) == 1


def test_wrong_holder_raises_holder_mismatch(
    gateway: FakeGateway, make_source: SourceFactory
) -> None:
    gateway.push("wrong_holder")
    with pytest.raises(HolderMismatchError) as info:
        make_source().fetch("HK", SUBJECT, now=NOW)
    assert len(gateway.requests) == 1
    assert_no_subject(info.value)


@pytest.mark.parametrize(
    "behaviour",
    [
        "malformed",
        "not_object",
        "no_record_id",
        "data_not_object",
        "wrong_source",
        "no_subject",
    ],
)
def test_malformed_answers_are_unavailable(
    gateway: FakeGateway, make_source: SourceFactory, behaviour: str
) -> None:
    gateway.push(behaviour)
    with pytest.raises(SourceUnavailableError, match="malformed response") as info:
        make_source().fetch("HK", SUBJECT, now=NOW)
    assert not isinstance(info.value, HolderMismatchError)
    assert len(gateway.requests) == 1
    assert_no_subject(info.value)


def test_scripted_401_is_not_retried(
    gateway: FakeGateway, make_source: SourceFactory
) -> None:
    gateway.push("unauthorised")
    with pytest.raises(SourceUnavailableError, match="HTTP 401"):
        make_source().fetch("HK", SUBJECT, now=NOW)
    assert len(gateway.requests) == 1


def test_wrong_secret_gets_401_and_no_retry(
    gateway: FakeGateway, make_source: SourceFactory
) -> None:
    source = make_source(app_secret="not-the-secret")
    with pytest.raises(SourceUnavailableError, match="HTTP 401") as info:
        source.fetch("HK", SUBJECT, now=NOW)
    [sent] = gateway.requests
    assert not sent.signature_ok
    assert "not-the-secret" not in str(info.value)
    assert_no_subject(info.value)


def test_redirect_is_not_followed(
    gateway: FakeGateway, make_source: SourceFactory
) -> None:
    gateway.push("redirect")
    with pytest.raises(SourceUnavailableError, match="HTTP 307"):
        make_source().fetch("HK", SUBJECT, now=NOW)
    assert [r.path for r in gateway.requests] == ["/v1/query"]


def test_unknown_source_and_bad_subject_are_rejected_before_any_call(
    gateway: FakeGateway, make_source: SourceFactory
) -> None:
    source = make_source()
    with pytest.raises(ValidationError) as info:
        source.fetch("XX", SUBJECT, now=NOW)
    assert info.value.code == "unknown_source"
    with pytest.raises(ValidationError) as info:
        source.fetch("HK", SUBJECT[:-1], now=NOW)
    assert SUBJECT[:-1] not in str(info.value)
    assert gateway.requests == []
    assert source.circuit_state == "closed"


# --------------------------------------------------------------------------- #
# Circuit breaker
# --------------------------------------------------------------------------- #


def test_breaker_opens_then_half_open_success_closes_it(
    gateway: FakeGateway, make_source: SourceFactory
) -> None:
    source = make_source(max_retries=1, breaker_fail_max=3)
    gateway.push(*["500"] * 6)
    for _ in range(3):
        with pytest.raises(SourceUnavailableError, match="HTTP 500"):
            source.fetch("HK", SUBJECT, now=NOW)
    assert len(gateway.requests) == 6
    assert source.circuit_state == "open"

    started = time.monotonic()
    with pytest.raises(SourceUnavailableError, match="circuit open") as info:
        source.fetch("HK", SUBJECT, now=NOW)
    assert time.monotonic() - started < 0.1
    assert len(gateway.requests) == 6  # nothing reached the gateway
    assert info.value.source == "HK"
    assert_no_subject(info.value)

    time.sleep(RESET_S + 0.05)
    gateway.push("ok", "ok")
    assert source.fetch("HK", SUBJECT, now=NOW).record_id == "rec-0001"
    assert source.circuit_state == "closed"
    assert source.fetch("HK", SUBJECT, now=NOW).record_id == "rec-0001"
    assert len(gateway.requests) == 8


def test_failed_half_open_call_reopens_the_breaker(
    gateway: FakeGateway, make_source: SourceFactory
) -> None:
    source = make_source(max_retries=0, breaker_fail_max=2)
    gateway.push("503", "503")
    for _ in range(2):
        with pytest.raises(SourceUnavailableError):
            source.fetch("HK", SUBJECT, now=NOW)
    assert source.circuit_state == "open"

    time.sleep(RESET_S + 0.05)
    gateway.push("malformed")
    with pytest.raises(SourceUnavailableError, match="malformed"):
        source.fetch("HK", SUBJECT, now=NOW)
    assert source.circuit_state == "open"
    with pytest.raises(SourceUnavailableError, match="circuit open"):
        source.fetch("HK", SUBJECT, now=NOW)
    assert len(gateway.requests) == 3


def test_no_record_and_holder_mismatch_do_not_trip_the_breaker(
    gateway: FakeGateway, make_source: SourceFactory
) -> None:
    source = make_source(max_retries=0, breaker_fail_max=2)
    gateway.push("no_record", "wrong_holder", "no_record", "wrong_holder")
    for expected in (NoRecordError, HolderMismatchError) * 2:
        with pytest.raises(expected):
            source.fetch("HK", SUBJECT, now=NOW)
    assert source.circuit_state == "closed"
    gateway.push("ok")
    assert source.fetch("HK", SUBJECT, now=NOW).subject_id == SUBJECT


def test_concurrent_fetches_are_not_serialised(
    gateway: FakeGateway, make_source: SourceFactory
) -> None:
    # Each answer waits until a second request is in flight; if the adapter
    # serialised calls (e.g. through the breaker's lock) the barrier would time
    # out and both would fail.
    source = make_source(read_timeout_s=3.0, max_retries=0)
    gateway.push("rendezvous", "rendezvous")
    results: list[object] = []

    def worker(subject: str) -> None:
        try:
            results.append(source.fetch("HK", subject, now=NOW).subject_id)
        except Exception as exc:  # collected and asserted below
            results.append(exc)

    threads = [
        threading.Thread(target=worker, args=(s,)) for s in (SUBJECT, OTHER_SUBJECT)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=5)
    assert sorted(map(str, results)) == [SUBJECT, OTHER_SUBJECT]


# --------------------------------------------------------------------------- #
# sign / verify
# --------------------------------------------------------------------------- #

VECTOR_BODY = b'{"source":"HK","subject_id":"440507194401150010"}'
VECTOR_NONCE = "00112233445566778899aabbccddeeff"
# Computed independently with:
#   printf 'POST\n/v1/query\n1700000000\n<nonce>\n<sha256 hex of body>' \
#     | openssl dgst -sha256 -hmac test-secret
VECTOR_SIGNATURE = "27ca81bfa08a563db662ed5b98102b846ab7f595074a9c10632455cfdc3e5622"


def _vector_headers(**changes: str) -> dict[str, str]:
    headers = {
        "X-App-Key": APP_KEY,
        "X-Timestamp": "1700000000",
        "X-Nonce": VECTOR_NONCE,
        "X-Signature": VECTOR_SIGNATURE,
    }
    headers.update(changes)
    return headers


def test_sign_matches_known_vector() -> None:
    assert (
        sign(SECRET, "POST", "/v1/query", "1700000000", VECTOR_NONCE, VECTOR_BODY)
        == VECTOR_SIGNATURE
    )


def test_verify_accepts_fresh_and_rejects_stale_or_tampered() -> None:
    now = 1_700_000_000.0
    headers = _vector_headers()

    def check(**kwargs: Any) -> bool:
        args: dict[str, Any] = {
            "secret": SECRET,
            "method": "POST",
            "path": "/v1/query",
            "headers": headers,
            "body": VECTOR_BODY,
            "now": now,
        }
        args.update(kwargs)
        return verify(**args)

    assert check()
    assert check(now=now + 300) and check(now=now - 300)
    assert check(headers={k.lower(): v for k, v in headers.items()})
    # stale (or from the future)
    assert not check(now=now + 301)
    assert not check(now=now - 301)
    assert not check(now=now + 10, max_skew_s=5)
    # tampered
    assert not check(body=VECTOR_BODY.replace(SUBJECT.encode(), OTHER_SUBJECT.encode()))
    assert not check(path="/v1/query2")
    assert not check(method="GET")
    assert not check(secret="other-secret")
    assert not check(headers=_vector_headers(**{"X-Nonce": "0" * 32}))
    # malformed headers are a plain "no", never an exception
    assert not check(headers=_vector_headers(**{"X-Signature": "签名"}))
    assert not check(headers=_vector_headers(**{"X-Timestamp": "soon"}))
    assert not check(headers=_vector_headers(**{"X-Timestamp": "１７"}))
    for missing in headers:
        assert not check(headers={k: v for k, v in headers.items() if k != missing})


# --------------------------------------------------------------------------- #
# Settings
# --------------------------------------------------------------------------- #

CONFIG = {
    "DATAHUB_GATEWAY_URL": "https://gateway.example.gov.cn/share/",
    "DATAHUB_GATEWAY_APP_KEY": APP_KEY,
    "DATAHUB_GATEWAY_APP_SECRET": "s3cr3t-value",
}


def test_settings_from_mapping_reads_all_keys() -> None:
    settings = GatewaySettings.from_mapping(
        {
            **CONFIG,
            "DATAHUB_GATEWAY_CONNECT_TIMEOUT": "0.5",
            "DATAHUB_GATEWAY_READ_TIMEOUT": 3,
            "DATAHUB_GATEWAY_RETRIES": "4",
            "DATAHUB_GATEWAY_BACKOFF": "0.25",
            "DATAHUB_GATEWAY_BREAKER_FAIL_MAX": 7,
            "DATAHUB_GATEWAY_BREAKER_RESET": "12.5",
        }
    )
    assert settings == GatewaySettings(
        base_url="https://gateway.example.gov.cn/share/",
        app_key=APP_KEY,
        app_secret="s3cr3t-value",
        connect_timeout_s=0.5,
        read_timeout_s=3.0,
        max_retries=4,
        backoff_s=0.25,
        breaker_fail_max=7,
        breaker_reset_s=12.5,
    )
    assert GatewaySettings.from_mapping(CONFIG).max_retries == 2
    assert "s3cr3t-value" not in repr(settings)


@pytest.mark.parametrize("key", sorted(CONFIG))
@pytest.mark.parametrize("value", [None, "", "  "])
def test_settings_from_mapping_names_missing_key(key: str, value: str | None) -> None:
    cfg = {**CONFIG, key: value}
    with pytest.raises(ValidationError) as info:
        GatewaySettings.from_mapping(cfg)
    assert key in str(info.value)
    assert info.value.field == key
    assert "s3cr3t-value" not in str(info.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("DATAHUB_GATEWAY_RETRIES", "two"),
        ("DATAHUB_GATEWAY_RETRIES", True),
        ("DATAHUB_GATEWAY_RETRIES", "-1"),
        ("DATAHUB_GATEWAY_READ_TIMEOUT", "0"),
        ("DATAHUB_GATEWAY_BREAKER_FAIL_MAX", "0"),
        ("DATAHUB_GATEWAY_URL", "gateway.example.gov.cn"),
        ("DATAHUB_GATEWAY_URL", "https://gateway.example.gov.cn/?k=v"),
    ],
)
def test_settings_from_mapping_rejects_bad_values(key: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        GatewaySettings.from_mapping({**CONFIG, key: value})
    assert key in str(info.value)
