"""The mini-program login adapter against a fake platform served on loopback.

No HTTP mocking: every test talks HTTP to a ``ThreadingHTTPServer`` that plays
the platform's code→session endpoint (jscode2session-style GET). A login code
names its scenario before the first ``-`` (``ok-…``, ``invalid-…``); a test may
also script a sequence of answers for one code. The fake records every request,
so tests can assert how often it was contacted and what went over the wire.

An autouse fixture checks, after every test, that no captured log record
mentions a login code, the session_key or the app secret.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from govcore.errors import AuthenticationError, GovCoreError, UnavailableError
from govcore.identity.miniprogram import (
    MAX_CODE_LENGTH,
    RETRY_BACKOFF_S,
    MiniProgramProvider,
    MiniProgramSettings,
    code_digest,
)
from govcore.identity.ports import Identity, IdentityProvider

from tests.http_fake import QuietHandler

APP_ID = "wx0123456789abcdef"
SECRET = "app-secret-5f2d9c0e7b"
SESSION_KEY = "tiihtNczf5v6AKRyjwEUhQ=="
OPENID = "oGZUI0egBJY1zhBYw2KhdUfwVJJE"
UNIONID = "oKFg51234unionid"
ID_NUMBER = "440507194401150010"
NAME = "张三"
SESSION_PATH = "/sns/jscode2session"
NOW = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)

TIMEOUT_S = 0.3
# How long a "slow" answer stalls: well past the client's timeout. The fixture
# releases stalled handlers on teardown so shutdown stays quick.
SLOW_S = 2.0

UNAVAILABLE = "identity_provider_unavailable"


# --------------------------------------------------------------------------- #
# The fake platform
# --------------------------------------------------------------------------- #


def _ok_answer(**real_name: Any) -> dict[str, Any]:
    return {
        "openid": OPENID,
        "session_key": SESSION_KEY,
        "unionid": UNIONID,
        "real_name": {"id_number": ID_NUMBER, "name": NAME, **real_name},
    }


def _without(answer: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != key}


def _errcode(errcode: int, errmsg: str) -> tuple[int, Any]:
    return 200, {"errcode": errcode, "errmsg": f"{errmsg}, rid: 6630a1b2-1c2d3e4f"}


#: Status and JSON body of each scenario answered with JSON.
JSON_ANSWERS: dict[str, tuple[int, Any]] = {
    "ok": (200, _ok_answer()),
    "okerrcode0": (200, {**_ok_answer(), "errcode": 0, "errmsg": "ok"}),
    "lowerx": (200, _ok_answer(id_number="44050719900101109x", name=" 李四 ")),
    "legacy15": (200, _ok_answer(id_number="440507440115001")),
    "invalid": _errcode(40029, "invalid code"),
    "used": _errcode(40163, "code been used"),
    "busy": _errcode(-1, "system error"),
    "ratelimit": _errcode(45011, "api minute-quota reach limit"),
    "blocked": _errcode(40226, "invalid visit"),
    "500": (500, {"errcode": -1, "errmsg": "internal error"}),
    "503": (503, {"errcode": -1, "errmsg": "unavailable"}),
    "notobject": (200, [_ok_answer()]),
    "errcodestr": (200, {"errcode": "40029", "errmsg": "invalid code"}),
    "noopenid": (200, _without(_ok_answer(), "openid")),
    "norealname": (200, _without(_ok_answer(), "real_name")),
    "nullrealname": (200, {**_ok_answer(), "real_name": None}),
    "realnamestr": (200, {**_ok_answer(), "real_name": NAME}),
    "badid": (200, _ok_answer(id_number="440507194401150011")),
    "idnotstr": (200, _ok_answer(id_number=440507194401150010)),
    "noname": (200, {**_ok_answer(), "real_name": {"id_number": ID_NUMBER}}),
    "blankname": (200, _ok_answer(name="  ")),
    "slow": (200, _ok_answer()),
}


@dataclass(frozen=True)
class Recorded:
    """One request as the fake platform received it."""

    method: str
    path: str
    params: dict[str, list[str]]
    body: bytes


class FakePlatform:
    """The platform's code→session endpoint, answering by scenario."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.scripts: dict[str, deque[str]] = {}
        self.unknown = 0
        self.release = threading.Event()
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
    def session_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{SESSION_PATH}"

    def script(self, code: str, *behaviours: str) -> None:
        """Answer ``code`` with ``behaviours`` in turn (then by its scenario)."""
        with self._lock:
            self.scripts[code] = deque(behaviours)

    def record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)

    def behaviour(self, code: str) -> str:
        with self._lock:
            scripted = self.scripts.get(code)
            if scripted:
                return scripted.popleft()
        return code.split("-", 1)[0]

    def count_unknown(self) -> None:
        with self._lock:
            self.unknown += 1

    def contacts(self, code: str) -> int:
        return sum(r.params.get("js_code") == [code] for r in self.requests)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


class _Handler(QuietHandler):
    # HTTP/1.0: one request per connection, so no keep-alive handler thread
    # lingers waiting for a next request when the server is closed.

    def do_GET(self) -> None:
        fake: FakePlatform = self.server.fake  # type: ignore[attr-defined]
        target = urlsplit(self.path)
        params = parse_qs(target.query, keep_blank_values=True)
        body = self.body()
        fake.record(Recorded("GET", target.path, params, body))
        if target.path != SESSION_PATH:
            self.send_body(404, b"<html>Not Found</html>", "text/html")
            return
        if params.get("appid") != [APP_ID] or params.get("secret") != [SECRET]:
            self.send_json(200, {"errcode": 40125, "errmsg": "invalid appsecret"})
            return
        if params.get("grant_type") != ["authorization_code"]:
            self.send_json(200, {"errcode": 40097, "errmsg": "invalid args"})
            return
        self._answer(fake, fake.behaviour(params.get("js_code", [""])[0]))

    def _answer(self, fake: FakePlatform, behaviour: str) -> None:
        if behaviour == "slow":
            fake.release.wait(SLOW_S)
        if behaviour == "reset":
            # Close the connection without answering.
            return
        if behaviour == "malformed":
            self.send_body(200, b"<html>502 Bad Gateway</html>", "text/html")
        elif behaviour == "truncated":
            # Cut-off JSON that still carries the session_key.
            body = json.dumps(_ok_answer()).encode("utf-8")[:-20]
            self.send_body(200, body, "application/json")
        elif behaviour == "redirect":
            self.send_body(302, b"", "text/plain", {"Location": "/elsewhere"})
        elif behaviour == "404":
            self.send_body(404, b"<html>Not Found</html>", "text/html")
        elif behaviour in JSON_ANSWERS:
            self.send_json(*JSON_ANSWERS[behaviour])
        else:
            fake.count_unknown()
            self.send_json(500, {"errmsg": f"no scenario {behaviour!r}"})


# --------------------------------------------------------------------------- #
# Fixtures and helpers
# --------------------------------------------------------------------------- #


class Claims:
    """An in-memory ``claim_code``: a set of digests, as the database keeps."""

    def __init__(self, platform: FakePlatform) -> None:
        self.platform = platform
        self.digests: set[str] = set()
        #: (digest, now, requests the platform had received at claim time)
        self.calls: list[tuple[str, datetime, int]] = []
        self._lock = threading.Lock()

    def __call__(self, digest: str, now: datetime) -> bool:
        with self._lock:
            self.calls.append((digest, now, len(self.platform.requests)))
            if digest in self.digests:
                return False
            self.digests.add(digest)
            return True


#: Every code a test made, so that no log record may contain any of them.
_codes_used: list[str] = []


def make_code(scenario: str) -> str:
    """A fresh, distinctive code for ``scenario`` (never seen in any message)."""
    code = f"{scenario}-{secrets.token_urlsafe(12)}"
    _codes_used.append(code)
    return code


@pytest.fixture(autouse=True)
def nothing_secret_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    # Root at INFO (what production runs at); our own logger at DEBUG. (urllib3
    # logs the full request line, query string included, at DEBUG: deployments
    # must keep the "urllib3" logger at INFO or above.)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="govcore.identity")
    _codes_used.clear()
    yield
    forbidden = [SESSION_KEY, SECRET, *_codes_used]
    # At teardown ``caplog.records`` holds only the teardown's records.
    records = [*caplog.get_records("setup"), *caplog.get_records("call")]
    for record in records:
        texts = [record.getMessage(), record.exc_text or "", str(record.args)]
        for text in texts:
            for value in forbidden:
                assert value not in text, f"{record.name} logged a secret"


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    fake = FakePlatform()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.unknown == 0, "a code named no scenario the fake knows"


@pytest.fixture
def http_session() -> Iterator[requests.Session]:
    s = requests.Session()
    # Loopback must not go through a proxy configured in the environment.
    s.trust_env = False
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def claims(platform: FakePlatform) -> Claims:
    return Claims(platform)


@pytest.fixture
def slept() -> list[float]:
    return []


ProviderFactory = Callable[..., MiniProgramProvider]


@pytest.fixture
def make_provider(
    platform: FakePlatform,
    http_session: requests.Session,
    claims: Claims,
    slept: list[float],
) -> ProviderFactory:
    def factory(**overrides: Any) -> MiniProgramProvider:
        settings = MiniProgramSettings(
            session_url=platform.session_url,
            app_id=APP_ID,
            app_secret=SECRET,
            timeout=TIMEOUT_S,
        )
        return MiniProgramProvider(
            replace(settings, **overrides),
            claim_code=claims,
            session=http_session,
            sleep=slept.append,
        )

    return factory


@pytest.fixture
def provider(make_provider: ProviderFactory) -> MiniProgramProvider:
    return make_provider()


def assert_no_secrets(exc: BaseException, *extra: str) -> None:
    """Neither the error nor anything chained to it mentions a secret."""
    forbidden = [SESSION_KEY, SECRET, *_codes_used, *extra]
    seen: BaseException | None = exc
    while seen is not None:
        texts = [str(seen), repr(seen), getattr(seen, "message", "")]
        texts.extend(map(str, seen.args))
        for text in texts:
            for value in forbidden:
                assert value not in text
        seen = seen.__cause__ or seen.__context__


def login(provider: MiniProgramProvider, code: str) -> Identity:
    return provider.authenticate({"code": code}, now=NOW)


def fails(
    provider: MiniProgramProvider, code: str, kind: type[GovCoreError], error: str
) -> GovCoreError:
    """Assert that logging in with ``code`` raises ``kind`` with ``error`` code."""
    with pytest.raises(kind) as info:
        login(provider, code)
    assert info.value.code == error
    assert_no_secrets(info.value)
    return info.value


# --------------------------------------------------------------------------- #
# Success and the wire format
# --------------------------------------------------------------------------- #


def test_ok_returns_the_verified_identity(
    platform: FakePlatform, provider: MiniProgramProvider, claims: Claims
) -> None:
    assert isinstance(provider, IdentityProvider)
    assert provider.name == "miniprogram"
    code = make_code("ok")

    identity = login(provider, code)

    assert identity == Identity(
        id_number=ID_NUMBER, name=NAME, provider="miniprogram", subject=OPENID
    )
    # The session_key goes nowhere: not in the result, not on the adapter.
    assert SESSION_KEY not in repr(identity)
    assert SESSION_KEY not in repr(vars(provider))

    [sent] = platform.requests
    assert sent.method == "GET" and sent.path == SESSION_PATH and sent.body == b""
    assert sent.params == {
        "appid": [APP_ID],
        "secret": [SECRET],
        "js_code": [code],
        "grant_type": ["authorization_code"],
    }
    # Only the SHA-256 digest is claimed, with the caller's clock, and before
    # the platform was contacted.
    digest = hashlib.sha256(code.encode("ascii")).hexdigest()
    assert code_digest(code) == digest
    assert claims.calls == [(digest, NOW, 0)]
    assert claims.digests == {digest}


@pytest.mark.parametrize(
    ("scenario", "id_number", "name"),
    [
        ("okerrcode0", ID_NUMBER, NAME),
        ("lowerx", "44050719900101109X", "李四"),
        ("legacy15", ID_NUMBER, NAME),
    ],
)
def test_identity_is_normalised(
    provider: MiniProgramProvider, scenario: str, id_number: str, name: str
) -> None:
    identity = login(provider, make_code(scenario))
    assert (identity.id_number, identity.name) == (id_number, name)
    assert identity.subject == OPENID


def test_code_of_max_length_is_accepted(
    platform: FakePlatform, provider: MiniProgramProvider
) -> None:
    code = make_code("ok")
    code += "~" * (MAX_CODE_LENGTH - len(code))
    assert login(provider, code).id_number == ID_NUMBER
    assert platform.contacts(code) == 1


def test_default_session_is_created_and_closed(
    platform: FakePlatform, claims: Claims, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.lower(), raising=False)
    settings = MiniProgramSettings(platform.session_url, APP_ID, SECRET)
    assert settings.timeout == 5.0
    with MiniProgramProvider(settings, claim_code=claims) as provider:
        assert login(provider, make_code("ok")).subject == OPENID


# --------------------------------------------------------------------------- #
# One code, one login
# --------------------------------------------------------------------------- #


def test_same_code_twice_fails_without_contacting_the_platform_again(
    platform: FakePlatform, provider: MiniProgramProvider, claims: Claims
) -> None:
    # The fake would accept the code any number of times; the claim stops it.
    code = make_code("ok")
    assert login(provider, code).subject == OPENID

    error = fails(provider, code, AuthenticationError, "login_code_used")

    assert "已被使用" in error.message
    assert platform.contacts(code) == 1
    assert len(claims.calls) == 2


def test_code_claimed_elsewhere_is_refused_before_any_request(
    platform: FakePlatform, provider: MiniProgramProvider, claims: Claims
) -> None:
    # E.g. another process of the app already exchanged it.
    code = make_code("ok")
    claims.digests.add(code_digest(code))
    fails(provider, code, AuthenticationError, "login_code_used")
    assert platform.requests == []


def test_code_is_claimed_even_when_the_platform_then_rejects_it(
    platform: FakePlatform, provider: MiniProgramProvider, claims: Claims
) -> None:
    code = make_code("invalid")
    fails(provider, code, AuthenticationError, "bad_login_code")
    fails(provider, code, AuthenticationError, "login_code_used")
    assert platform.contacts(code) == 1


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"code": None},
        {"code": ""},
        {"code": 12345},
        {"code": b"ok-bytes"},
        {"code": "ok-" + "a" * MAX_CODE_LENGTH},
        {"code": "ok-登录码"},
        {"code": "ok-abc\n"},
        {"code": "ok-abc\x00"},
        {"code": "ok-abc\x7f"},
    ],
    ids=[
        "missing",
        "none",
        "empty",
        "int",
        "bytes",
        "too-long",
        "non-ascii",
        "newline",
        "nul",
        "del",
    ],
)
def test_malformed_code_is_refused_before_claim_and_request(
    platform: FakePlatform,
    provider: MiniProgramProvider,
    claims: Claims,
    credentials: dict[str, Any],
) -> None:
    with pytest.raises(AuthenticationError) as info:
        provider.authenticate(credentials, now=NOW)
    assert info.value.code == "bad_login_code"
    code = credentials.get("code")
    if isinstance(code, str) and code:
        assert code not in str(info.value)
    assert claims.calls == []
    assert platform.requests == []


# --------------------------------------------------------------------------- #
# Platform answers
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("scenario", "kind", "error"),
    [
        ("invalid", AuthenticationError, "bad_login_code"),
        ("used", AuthenticationError, "login_code_used"),
        ("busy", UnavailableError, UNAVAILABLE),
        ("ratelimit", UnavailableError, UNAVAILABLE),
        ("blocked", UnavailableError, UNAVAILABLE),
    ],
)
def test_errcode_answers_are_typed_and_not_retried(
    platform: FakePlatform,
    provider: MiniProgramProvider,
    slept: list[float],
    scenario: str,
    kind: type[GovCoreError],
    error: str,
) -> None:
    code = make_code(scenario)
    fails(provider, code, kind, error)
    assert platform.contacts(code) == 1
    assert slept == []


def test_unavailable_message_names_the_errcode_not_the_errmsg(
    provider: MiniProgramProvider,
) -> None:
    error = fails(provider, make_code("busy"), UnavailableError, UNAVAILABLE)
    assert "errcode -1" in error.message
    assert "稍后" in error.message
    assert "rid" not in error.message


@pytest.mark.parametrize(
    "scenario",
    ["norealname", "nullrealname", "badid", "idnotstr", "noname", "blankname"],
)
def test_missing_or_invalid_real_name_requires_real_name_verification(
    platform: FakePlatform, provider: MiniProgramProvider, scenario: str
) -> None:
    code = make_code(scenario)
    error = fails(provider, code, AuthenticationError, "real_name_required")
    assert "实名认证" in error.message
    # The (invalid) ID number is personal data: it is not echoed either.
    assert "440507194401150011" not in error.message
    assert platform.contacts(code) == 1


@pytest.mark.parametrize(
    "scenario",
    [
        "malformed",
        "truncated",
        "notobject",
        "errcodestr",
        "noopenid",
        "realnamestr",
        "404",
        "redirect",
    ],
)
def test_malformed_or_unexpected_answers_are_unavailable_without_retry(
    platform: FakePlatform,
    provider: MiniProgramProvider,
    slept: list[float],
    scenario: str,
) -> None:
    code = make_code(scenario)
    fails(provider, code, UnavailableError, UNAVAILABLE)
    # One request: no retry, and a redirect is not followed.
    assert len(platform.requests) == 1
    assert slept == []


def test_wrong_app_secret_is_unavailable_and_not_echoed(
    platform: FakePlatform, make_provider: ProviderFactory
) -> None:
    wrong = "not-the-secret-8a7b6c"
    provider = make_provider(app_secret=wrong)
    with pytest.raises(UnavailableError) as info:
        login(provider, make_code("ok"))
    assert "errcode 40125" in str(info.value)
    assert_no_secrets(info.value, wrong)
    assert len(platform.requests) == 1


# --------------------------------------------------------------------------- #
# Failures, timeouts and the single retry
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("scenario", ["500", "503"])
def test_5xx_is_retried_once_then_unavailable(
    platform: FakePlatform,
    provider: MiniProgramProvider,
    slept: list[float],
    scenario: str,
) -> None:
    code = make_code(scenario)
    error = fails(provider, code, UnavailableError, UNAVAILABLE)
    assert f"HTTP {scenario}" in error.message
    assert platform.contacts(code) == 2
    assert slept == [RETRY_BACKOFF_S]


@pytest.mark.parametrize("first", ["500", "reset"])
def test_retry_after_5xx_or_dropped_connection_can_succeed(
    platform: FakePlatform,
    provider: MiniProgramProvider,
    claims: Claims,
    slept: list[float],
    first: str,
) -> None:
    code = make_code("flaky")
    platform.script(code, first, "ok")
    assert login(provider, code).id_number == ID_NUMBER
    assert platform.contacts(code) == 2
    assert slept == [RETRY_BACKOFF_S]
    assert len(claims.calls) == 1  # the retry is not a second login


def test_code_used_on_the_retry_is_the_platforms_failure_not_the_users(
    platform: FakePlatform, provider: MiniProgramProvider
) -> None:
    # The first attempt probably used the code before the platform failed.
    code = make_code("flaky")
    platform.script(code, "500", "used")
    fails(provider, code, UnavailableError, UNAVAILABLE)
    assert platform.contacts(code) == 2


def test_invalid_code_on_the_retry_is_still_a_bad_code(
    platform: FakePlatform, provider: MiniProgramProvider
) -> None:
    code = make_code("flaky")
    platform.script(code, "503", "invalid")
    fails(provider, code, AuthenticationError, "bad_login_code")
    assert platform.contacts(code) == 2


def test_timeout_is_unavailable_and_not_retried(
    platform: FakePlatform, provider: MiniProgramProvider, slept: list[float]
) -> None:
    code = make_code("slow")
    started = time.monotonic()
    error = fails(provider, code, UnavailableError, UNAVAILABLE)
    elapsed = time.monotonic() - started
    assert "timeout" in error.message
    assert TIMEOUT_S <= elapsed < SLOW_S
    # The platform may have used the code: asking again would only get 40163.
    assert platform.contacts(code) == 1
    assert slept == []
    assert error.__context__ is None and error.__cause__ is None


def test_connection_refused_is_retried_once_then_unavailable(
    http_session: requests.Session, claims: Claims
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on ``port`` any more.
    slept: list[float] = []
    settings = MiniProgramSettings(
        f"http://127.0.0.1:{port}{SESSION_PATH}", APP_ID, SECRET, timeout=TIMEOUT_S
    )
    provider = MiniProgramProvider(
        settings, claim_code=claims, session=http_session, sleep=slept.append
    )
    code = make_code("ok")
    error = fails(provider, code, UnavailableError, UNAVAILABLE)
    assert "connection error after 2 attempts" in error.message
    assert slept == [RETRY_BACKOFF_S]
    # requests' own error (whose message holds the URL, i.e. the code and the
    # secret) is not chained.
    assert error.__context__ is None and error.__cause__ is None


def test_failures_are_logged_without_secrets(
    platform: FakePlatform,
    provider: MiniProgramProvider,
    caplog: pytest.LogCaptureFixture,
) -> None:
    code = make_code("flaky")
    platform.script(code, "503", "busy")
    fails(provider, code, UnavailableError, UNAVAILABLE)
    for scenario in ("truncated", "invalid", "norealname"):
        with pytest.raises(GovCoreError):
            login(provider, make_code(scenario))
    ours = [
        r.getMessage()
        for r in caplog.records
        if r.name == "govcore.identity.miniprogram"
    ]
    assert any("HTTP 503" in m and "retrying" in m for m in ours)
    assert any("errcode -1" in m for m in ours)
    assert any("errcode 40029" in m for m in ours)
    # The autouse fixture checks that none mentions a code, key or secret.


# --------------------------------------------------------------------------- #
# Settings
# --------------------------------------------------------------------------- #

CONFIG = {
    "MINIPROGRAM_SESSION_URL": "https://mp.example.gov.cn/sns/jscode2session",
    "MINIPROGRAM_APP_ID": APP_ID,
    "MINIPROGRAM_APP_SECRET": SECRET,
}


def test_settings_from_mapping_reads_all_keys() -> None:
    settings = MiniProgramSettings.from_mapping(
        {**CONFIG, "MINIPROGRAM_APP_ID": f" {APP_ID} ", "MINIPROGRAM_TIMEOUT": "2.5"}
    )
    assert settings == MiniProgramSettings(
        session_url="https://mp.example.gov.cn/sns/jscode2session",
        app_id=APP_ID,
        app_secret=SECRET,
        timeout=2.5,
    )
    assert MiniProgramSettings.from_mapping(CONFIG).timeout == 5.0
    integer = MiniProgramSettings.from_mapping({**CONFIG, "MINIPROGRAM_TIMEOUT": 3})
    assert integer.timeout == 3.0
    assert SECRET not in repr(settings)


@pytest.mark.parametrize("key", sorted(CONFIG))
@pytest.mark.parametrize("value", ["absent", None, "", "  "])
def test_settings_from_mapping_names_the_missing_key(
    key: str, value: str | None
) -> None:
    cfg: dict[str, Any] = {**CONFIG, key: value}
    if value == "absent":
        del cfg[key]
    with pytest.raises(ValueError, match=key) as info:
        MiniProgramSettings.from_mapping(cfg)
    for other in set(CONFIG) - {key}:
        assert other not in str(info.value)
    assert SECRET not in str(info.value)


def test_settings_from_mapping_names_every_missing_key() -> None:
    with pytest.raises(ValueError) as info:
        MiniProgramSettings.from_mapping({"MINIPROGRAM_TIMEOUT": "1"})
    assert all(key in str(info.value) for key in CONFIG)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("MINIPROGRAM_TIMEOUT", "soon"),
        ("MINIPROGRAM_TIMEOUT", ""),
        ("MINIPROGRAM_TIMEOUT", "0"),
        ("MINIPROGRAM_TIMEOUT", "-1"),
        ("MINIPROGRAM_TIMEOUT", "nan"),
        ("MINIPROGRAM_TIMEOUT", True),
        ("MINIPROGRAM_SESSION_URL", "mp.example.gov.cn/sns/jscode2session"),
        ("MINIPROGRAM_SESSION_URL", "ftp://mp.example.gov.cn/sns/jscode2session"),
        # Plain http would send the app secret and the identity in clear text.
        ("MINIPROGRAM_SESSION_URL", "http://mp.example.gov.cn/sns/jscode2session"),
    ],
)
def test_settings_from_mapping_rejects_bad_values(key: str, value: object) -> None:
    with pytest.raises(ValueError, match=key) as info:
        MiniProgramSettings.from_mapping({**CONFIG, key: value})
    assert SECRET not in str(info.value)


def test_settings_accept_http_only_on_loopback() -> None:
    for url in ("http://127.0.0.1:8080/s", "http://localhost/s", "http://[::1]:9/s"):
        assert MiniProgramSettings(url, APP_ID, SECRET).session_url == url


def test_settings_constructor_validates_too() -> None:
    url = CONFIG["MINIPROGRAM_SESSION_URL"]
    with pytest.raises(ValueError, match="MINIPROGRAM_APP_SECRET"):
        MiniProgramSettings(url, APP_ID, " ")
    with pytest.raises(ValueError, match="MINIPROGRAM_APP_ID"):
        MiniProgramSettings(url, "", SECRET)
    with pytest.raises(ValueError, match="MINIPROGRAM_TIMEOUT"):
        MiniProgramSettings(url, APP_ID, SECRET, timeout=0)
