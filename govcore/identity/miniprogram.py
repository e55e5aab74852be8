"""Identity adapter: the government mini-program platform's login (code → session).

The mini-program calls its ``login`` API (like WeChat ``wx.login``) and sends
us the one-time ``code`` it gets. We exchange the code with the platform's
code→session endpoint, in the shape of WeChat's ``jscode2session``::

    GET {session_url}?appid=…&secret=…&js_code=…&grant_type=authorization_code
    200 {"openid", "session_key", "unionid"?, "real_name": {"id_number", "name"}}
    200 {"errcode": 40029, "errmsg": "invalid code"}

Because the provincial platform (粤省事-style) performs real-name verification,
its answer carries the verified 公民身份号码 and name; a user who has not done
实名认证 gets no ``real_name`` and cannot log in here.

Secrets and one-time values:

* The raw code is never stored or logged: only its SHA-256 hex digest is
  handed to ``claim_code``, which is called *before* the platform is contacted,
  so a code works once here even if the platform would accept it twice.
* ``session_key`` is dropped as soon as the answer is decoded. It is never
  returned, logged or put in an exception message.
* Errors are raised outside ``except`` blocks, so no requests/urllib3 exception
  (whose message may contain the request URL, i.e. the code and the app secret)
  is chained to them as ``__cause__`` or ``__context__``.
* The protocol puts the app secret and the code in the query string. Our own
  log lines never contain them, but urllib3 logs the full request line at
  DEBUG level (logger ``urllib3.connectionpool``): deployments must keep that
  logger at INFO or above.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn
from urllib.parse import urlsplit

import requests

from govcore.errors import AuthenticationError, UnavailableError
from govcore.identity.ports import Identity, IdentityProvider
from govcore.validation import InvalidIdNumberError, parse_id_number
from govcore.http_client import OwnedSession

__all__ = [
    "MAX_CODE_LENGTH",
    "MiniProgramProvider",
    "MiniProgramSettings",
    "code_digest",
]

logger = logging.getLogger(__name__)

#: Longest login code accepted; real codes are about 32 characters.
MAX_CODE_LENGTH = 128
#: Pause before the single retry after a connection error or a 5xx answer.
RETRY_BACKOFF_S = 0.2

ERRCODE_SYSTEM_BUSY = -1
ERRCODE_INVALID_CODE = 40029
ERRCODE_CODE_USED = 40163
ERRCODE_RATE_LIMITED = 45011

_UNAVAILABLE_ERRCODES = {
    ERRCODE_SYSTEM_BUSY: "platform busy",
    ERRCODE_RATE_LIMITED: "rate limited",
}

_REQUIRED_KEYS = {
    "session_url": "MINIPROGRAM_SESSION_URL",
    "app_id": "MINIPROGRAM_APP_ID",
    "app_secret": "MINIPROGRAM_APP_SECRET",
}
_TIMEOUT_KEY = "MINIPROGRAM_TIMEOUT"
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


# --------------------------------------------------------------------------- #
# Settings
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class MiniProgramSettings:
    """Where and as whom to exchange login codes.

    ``app_secret`` is excluded from ``repr`` so that logging the settings cannot
    leak it. ``session_url`` must be ``https``; plain ``http`` is accepted only
    for a loopback host (tests, a local fake), because the request carries the
    app secret and the answer a real-name identity.

    :raise ValueError: if a value is empty, the URL is not acceptable or the
        timeout is not a positive number of seconds.
    """

    session_url: str
    app_id: str
    app_secret: str = field(repr=False)
    timeout: float = 5.0

    def __post_init__(self) -> None:
        _check_url(self.session_url)
        for name in ("app_id", "app_secret"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                key = _REQUIRED_KEYS[name]
                raise ValueError(f"配置项 {key} 不能为空（{key} must not be empty）")
        _check_timeout(self.timeout)

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> MiniProgramSettings:
        """Build settings from a configuration mapping (app config, environment).

        :param config: a mapping with the ``MINIPROGRAM_*`` keys;
            ``MINIPROGRAM_TIMEOUT`` is optional and may be a number or a string.
        :return: the validated settings.
        :raise ValueError: naming every missing (absent, empty or blank)
            required key, or the key whose value is invalid; values are never
            echoed.
        """
        missing = [
            key
            for key in _REQUIRED_KEYS.values()
            if config.get(key) is None or not str(config[key]).strip()
        ]
        if missing:
            keys = ", ".join(missing)
            raise ValueError(f"缺少配置项 {keys}（missing setting(s): {keys}）")
        kwargs: dict[str, Any] = {
            name: str(config[key]).strip() for name, key in _REQUIRED_KEYS.items()
        }
        if config.get(_TIMEOUT_KEY) is not None:
            kwargs["timeout"] = _parse_timeout(config[_TIMEOUT_KEY])
        return cls(**kwargs)


def _check_url(url: object) -> None:
    key = _REQUIRED_KEYS["session_url"]
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or not parts.netloc or parts.scheme not in ("http", "https"):
        raise ValueError(f"配置项 {key} 无效（{key} must be an absolute http(s) URL）")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        raise ValueError(
            f"配置项 {key} 须使用 https（{key} must use https; plain http is "
            "allowed only for a loopback host）"
        )


def _check_timeout(timeout: object) -> None:
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise ValueError(
            f"配置项 {_TIMEOUT_KEY} 须为正数（{_TIMEOUT_KEY} must be a positive "
            "number of seconds）"
        )


def _parse_timeout(raw: Any) -> float:
    timeout: Any = None
    # bool is an int subclass: "MINIPROGRAM_TIMEOUT = True" is a mistake, not 1.
    if not isinstance(raw, bool):
        try:
            timeout = float(raw.strip() if isinstance(raw, str) else raw)
        except (TypeError, ValueError):
            timeout = None
    _check_timeout(timeout)
    return float(timeout)


# --------------------------------------------------------------------------- #
# Adapter
# --------------------------------------------------------------------------- #


def code_digest(code: str) -> str:
    """The SHA-256 hex digest of a login code, as passed to ``claim_code``."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _Retryable:
    """An attempt that failed in a way worth one retry; ``reason`` is loggable."""

    reason: str


class MiniProgramProvider(OwnedSession, IdentityProvider):
    """An :class:`IdentityProvider` backed by the mini-program login exchange.

    One instance may be shared by request threads: it holds no per-request
    state, and the ``requests.Session`` is used only for plain GETs without
    cookies.
    """

    name = "miniprogram"

    def __init__(
        self,
        settings: MiniProgramSettings,
        *,
        claim_code: Callable[[str, datetime], bool],
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Create the adapter.

        :param settings: endpoint, app credentials and timeout.
        :param claim_code: ``claim_code(code_digest, now)`` records the SHA-256
            hex digest of a login code and returns ``False`` if it was recorded
            before. Called before the platform is contacted.
        :param session: an HTTP session to use (its owner closes it); by default
            the adapter creates one and :meth:`close` closes it.
        :param sleep: called with the back-off delay before the retry; tests
            may pass a no-op.
        """
        self._settings = settings
        self._claim_code = claim_code
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        self._sleep = sleep

    # -- the port ----------------------------------------------------------- #

    def authenticate(
        self, credentials: Mapping[str, Any], *, now: datetime
    ) -> Identity:
        """Exchange ``credentials["code"]`` for the user's real-name identity.

        :param credentials: a mapping with the one-time login ``code``.
        :param now: the time the code is claimed at; its date is "today" when
            checking the birth date in the ID number.
        :return: the identity, with the openid as ``subject``.
        :raise AuthenticationError: ``bad_login_code`` if the code is malformed
            or the platform calls it invalid; ``login_code_used`` if it was
            used before; ``real_name_required`` if the platform vouches for no
            valid real-name identity.
        :raise UnavailableError: ``identity_provider_unavailable`` if the
            platform is busy, rate-limits us, fails, times out or answers
            something malformed.
        """
        code = _login_code(credentials)
        digest = code_digest(code)
        if not self._claim_code(digest, now):
            logger.info("miniprogram login: code %s… was already used", digest[:12])
            raise _code_used()
        payload = self._exchange(code)
        return _identity(payload, now)

    # -- internals ---------------------------------------------------------- #

    def _exchange(self, code: str) -> dict[str, Any]:
        params = {
            "appid": self._settings.app_id,
            "secret": self._settings.app_secret,
            "js_code": code,
            "grant_type": "authorization_code",
        }
        outcome = self._attempt(params)
        if isinstance(outcome, _Retryable):
            logger.warning(
                "miniprogram login: attempt 1/2 failed (%s); retrying in %.3fs",
                outcome.reason,
                RETRY_BACKOFF_S,
            )
            self._sleep(RETRY_BACKOFF_S)
            outcome = self._attempt(params)
            if isinstance(outcome, _Retryable):
                _unavailable(f"{outcome.reason} after 2 attempts")
            _check_errcode(outcome, retried=True)
        else:
            _check_errcode(outcome, retried=False)
        return outcome

    def _attempt(self, params: dict[str, str]) -> dict[str, Any] | _Retryable:
        try:
            response = self._session.get(
                self._settings.session_url,
                params=params,
                timeout=self._settings.timeout,
                # A redirect would take the code somewhere we did not configure.
                allow_redirects=False,
            )
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            # Includes ConnectTimeout (nothing was sent). The exception is not
            # kept: its message may contain the URL with the code and secret.
            return _Retryable("connection error")
        except requests.Timeout:
            # A read timeout is not retried: the platform may have used the code.
            reason = "timeout"
        except requests.RequestException as exc:
            reason = f"request failed: {type(exc).__name__}"
        else:
            with response:
                return _read(response)
        _unavailable(reason)


def _read(response: requests.Response) -> dict[str, Any] | _Retryable:
    status = response.status_code
    if status >= 500:
        return _Retryable(f"HTTP {status}")
    if status != 200:
        _unavailable(f"HTTP {status}")
    payload = _json_object(response.content)
    if payload is None:
        _unavailable("malformed response: not a JSON object")
    return payload


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(content)
    except (ValueError, RecursionError):
        # ValueError covers JSONDecodeError (whose ``doc`` holds the whole
        # body) and UnicodeDecodeError; neither escapes this function.
        return None
    if not isinstance(payload, dict):
        return None
    # The session_key is dropped here, before anything can raise with the
    # payload in scope. A later feature that needs it (decrypting wx.getPhone-
    # Number-style data, checking signatures) must keep it server-side only,
    # encrypted at rest, and never send it to the client or write it to logs.
    payload.pop("session_key", None)
    return payload


def _check_errcode(payload: dict[str, Any], *, retried: bool) -> None:
    errcode = payload.get("errcode", 0)
    if isinstance(errcode, bool) or not isinstance(errcode, int):
        _unavailable("malformed response: errcode is not an integer")
    if errcode == 0:
        return
    # errmsg is not logged or echoed: it is free text from the platform.
    if errcode == ERRCODE_INVALID_CODE:
        logger.info("miniprogram login: platform rejected code (errcode %d)", errcode)
        raise AuthenticationError(
            "登录凭证无效，请重新登录（invalid login code）", code="bad_login_code"
        )
    if errcode == ERRCODE_CODE_USED and not retried:
        logger.info("miniprogram login: platform says code used (errcode %d)", errcode)
        raise _code_used()
    if errcode == ERRCODE_CODE_USED:
        # After a 5xx or a dropped connection, "code used" most likely means
        # our own first attempt used it: the platform failed, not the user.
        _unavailable("code used by the failed first attempt (errcode 40163)")
    reason = _UNAVAILABLE_ERRCODES.get(errcode, "platform error")
    _unavailable(f"{reason} (errcode {errcode})")


def _identity(payload: dict[str, Any], now: datetime) -> Identity:
    openid = payload.get("openid")
    if not isinstance(openid, str) or not openid.strip():
        _unavailable("malformed response: openid missing")
    real_name = payload.get("real_name")
    if real_name is None:
        logger.info("miniprogram login: user has no real-name verification")
        raise _real_name_required()
    if not isinstance(real_name, dict):
        _unavailable("malformed response: real_name is not an object")
    name = real_name.get("name")
    id_number = _valid_id_number(real_name.get("id_number"), now)
    if id_number is None or not isinstance(name, str) or not name.strip():
        logger.info("miniprogram login: real-name identity missing or invalid")
        raise _real_name_required()
    return Identity(
        id_number=id_number,
        name=name.strip(),
        provider=MiniProgramProvider.name,
        subject=openid,
    )


def _valid_id_number(value: object, now: datetime) -> str | None:
    """The normalised ID number, or ``None``; the number is never in a message."""
    try:
        return parse_id_number(value, today=now.date()).number  # type: ignore[arg-type]
    except InvalidIdNumberError:
        return None


def _login_code(credentials: Mapping[str, Any]) -> str:
    code = credentials.get("code")
    if (
        not isinstance(code, str)
        or not 0 < len(code) <= MAX_CODE_LENGTH
        or not all(" " <= char <= "~" for char in code)
    ):
        # The value is not echoed: it may be a real code sent in a wrong shape.
        raise AuthenticationError(
            "登录凭证格式不正确，请重新登录（malformed login code）",
            code="bad_login_code",
        )
    return code


def _code_used() -> AuthenticationError:
    return AuthenticationError(
        "登录凭证已被使用，请重新登录（login code already used）",
        code="login_code_used",
    )


def _real_name_required() -> AuthenticationError:
    return AuthenticationError(
        "请先在小程序中完成实名认证后再登录（real-name verification required）",
        code="real_name_required",
    )


def _unavailable(reason: str) -> NoReturn:
    logger.warning("miniprogram login: platform unavailable (%s)", reason)
    raise UnavailableError(
        "登录服务暂时不可用，请稍后重新登录（identity provider unavailable: "
        f"{reason}）",
        code="identity_provider_unavailable",
    )
