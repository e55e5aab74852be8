"""Production adapter: the provincial data-sharing gateway (数据共享网关).

The gateway fronts every departmental source (户籍, 民政, 社保 …) behind one
signed HTTP endpoint. The protocol is ours and is described in
``docs/datahub-gateway.md``; in short::

    POST {base_url}/v1/query        {"source": "HK", "subject_id": "…"}
    200 {"source", "subject_id", "record_id", "data"}   -> SourceRecord
    404 {"error": "no_record"}                          -> NoRecordError
    anything else                                       -> SourceUnavailableError

The subject id is personal data, so it travels only in the request body: never
in the URL (which ends up in access logs and proxies), never in an exception
message and never in a log line.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pybreaker
import requests
from requests.utils import requote_uri

from govcore.datahub.fields import SOURCES
from govcore.datahub.gateway_settings import GatewaySettings
from govcore.datahub.gateway_signing import sign, signed_headers, verify
from govcore.datahub.ports import (
    DataSource,
    HolderMismatchError,
    NoRecordError,
    SourceRecord,
    SourceUnavailableError,
)
from govcore.errors import ValidationError
from govcore.http_client import OwnedSession

__all__ = [
    "QUERY_PATH",
    "GatewayDataSource",
    "GatewaySettings",
    "sign",
    "verify",
]

logger = logging.getLogger(__name__)

#: Path of the query endpoint, appended to the base URL's own path.
QUERY_PATH = "/v1/query"


SUBJECT_ID_LENGTH = 18

# --------------------------------------------------------------------------- #
# Adapter
# --------------------------------------------------------------------------- #


class _RetryableError(Exception):
    """One attempt failed in a way worth retrying (5xx, timeout, connection).

    Internal: never leaves :meth:`GatewayDataSource.fetch`. ``reason`` is safe
    to log (no personal data).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class GatewayDataSource(OwnedSession, DataSource):
    """A :class:`DataSource` backed by the provincial data-sharing gateway.

    Meant to be one instance per process, shared by request threads. The
    breaker is entered through :meth:`pybreaker.CircuitBreaker.calling`, which
    (unlike ``CircuitBreaker.call``, which holds the breaker's lock for the
    whole wrapped call in pybreaker 1.4.1) releases the lock before the HTTP
    call, so concurrent fetches are not serialised. The shared
    ``requests.Session`` is used only for plain POSTs without cookies; requests
    does not formally document ``Session`` as thread-safe, but its urllib3
    connection pool is.
    """

    # Why these building blocks:
    # * pybreaker gives a tested, thread-safe closed/open/half-open state
    #   machine with ``exclude=`` for answers that prove the gateway is up.
    # * Retries are a small loop rather than urllib3's ``Retry`` because, after
    #   checking urllib3 2.x: its default ``allowed_methods`` leave out POST, so
    #   read timeouts and 5xx on POST are not retried; even with POST allowed it
    #   resends the identical request, i.e. the same X-Nonce/X-Timestamp, which
    #   a gateway that rejects replayed nonces must refuse; it sleeps with a
    #   hard-wired ``time.sleep``; and it surfaces ``MaxRetryError``/
    #   ``RetryError`` instead of a per-attempt cause we can log and type.
    #   The session's adapters are left at requests' default (no retries), so
    #   exactly 1 + max_retries requests are sent.

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Create the adapter.

        :param settings: gateway URL, credentials, timeouts and breaker limits.
        :param session: an HTTP session to use (its owner closes it); by default
            the adapter creates one and :meth:`close` closes it.
        :param sleep: called with the back-off delay between attempts; tests
            pass a no-op.
        """
        self._settings = settings
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        self._sleep = sleep
        self._timeout = (settings.connect_timeout_s, settings.read_timeout_s)
        base = settings.base_url.rstrip("/")
        self._url = base + QUERY_PATH
        # Sign the path exactly as requests will put it on the wire (it
        # re-quotes the URL when preparing the request).
        self._path = urlsplit(requote_uri(self._url)).path
        self._breaker = pybreaker.CircuitBreaker(
            fail_max=settings.breaker_fail_max,
            reset_timeout=settings.breaker_reset_s,
            # Both are answers from a working gateway: they must not trip the
            # breaker. (pybreaker counts an excluded error as a success, which
            # is right here: the gateway responded coherently.)
            exclude=[NoRecordError, HolderMismatchError],
            # Let the call that trips the breaker raise its own typed error;
            # only calls refused while open see CircuitBreakerError.
            throw_new_error_on_trip=False,
            name="datahub-gateway",
        )

    @property
    def circuit_state(self) -> str:
        """The breaker state: ``"closed"``, ``"open"`` or ``"half-open"``."""
        return self._breaker.current_state

    # -- the port ----------------------------------------------------------- #

    def fetch(self, source: str, subject_id: str, *, now: datetime) -> SourceRecord:
        """Return what ``source`` holds about ``subject_id``, via the gateway.

        :param source: a source code from :data:`govcore.datahub.fields.SOURCES`.
        :param subject_id: a normalised 18-character ID number or credit code.
        :param now: the time recorded as ``fetched_at``.
        :return: the record, whose ``subject_id`` equals the one asked for.
        :raise ValidationError: if ``source`` is unknown or ``subject_id`` is not
            an 18-character string.
        :raise NoRecordError: if the gateway confirms it holds nothing.
        :raise HolderMismatchError: if the gateway answers about someone else.
        :raise SourceUnavailableError: if the gateway cannot be reached, keeps
            failing after the retries, rejects the credentials, answers
            malformed data, or the circuit is open.
        """
        if source not in SOURCES:
            raise ValidationError(
                f"未知的数据源 {source!r}（unknown data source）",
                field="source",
                code="unknown_source",
            )
        if not isinstance(subject_id, str) or len(subject_id) != SUBJECT_ID_LENGTH:
            # Deliberately does not echo the value: it is personal data.
            raise ValidationError(
                "主体标识须为18位（subject id must be 18 characters）",
                field="subject_id",
                code="invalid_subject_id",
            )
        try:
            with self._breaker.calling():
                return self._fetch_with_retries(source, subject_id, now)
        except pybreaker.CircuitBreakerError:
            raise SourceUnavailableError(
                source,
                "circuit open: gateway failed repeatedly; not calling it for up "
                f"to {self._settings.breaker_reset_s:g}s",
            ) from None

    # -- internals ---------------------------------------------------------- #

    def _fetch_with_retries(
        self, source: str, subject_id: str, now: datetime
    ) -> SourceRecord:
        body = json.dumps(
            {"source": source, "subject_id": subject_id},
            ensure_ascii=True,
            separators=(",", ":"),
        ).encode("utf-8")
        attempts = self._settings.max_retries + 1
        for attempt in range(attempts):
            try:
                return self._attempt(source, subject_id, body, now)
            except _RetryableError as exc:
                if attempt + 1 >= attempts:
                    raise SourceUnavailableError(
                        source,
                        f"gateway unavailable after {attempts} attempt(s): "
                        f"{exc.reason}",
                    ) from None
                delay = self._settings.backoff_s * 2**attempt
                logger.warning(
                    "datahub gateway: source %s attempt %d/%d failed (%s); "
                    "retrying in %.3fs",
                    source,
                    attempt + 1,
                    attempts,
                    exc.reason,
                    delay,
                )
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self, source: str, subject_id: str, body: bytes, now: datetime
    ) -> SourceRecord:
        headers = signed_headers(
            self._settings.app_key, self._settings.app_secret, self._path, body
        )
        try:
            response = self._session.post(
                self._url,
                data=body,
                headers=headers,
                timeout=self._timeout,
                # A redirect would re-send personal data (and our signed
                # headers) somewhere we did not configure; refuse it.
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            kind = "connect" if isinstance(exc, requests.ConnectTimeout) else "read"
            raise _RetryableError(f"{kind} timeout") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            raise _RetryableError("connection error") from None
        except requests.RequestException as exc:
            # Invalid URL, bad TLS config …: retrying will not help.
            raise SourceUnavailableError(
                source, f"request failed: {type(exc).__name__}"
            ) from None
        with response:
            return self._interpret(source, subject_id, response, now)

    def _interpret(
        self,
        source: str,
        subject_id: str,
        response: requests.Response,
        now: datetime,
    ) -> SourceRecord:
        _raise_for_status(source, response)
        payload = _json_or_none(response.content)
        if not isinstance(payload, dict):
            _malformed(source, "body is not a JSON object")
        record_id = payload.get("record_id")
        data = payload.get("data")
        answered_subject = payload.get("subject_id")
        if payload.get("source") != source:
            _malformed(source, "answer is for another source")
        if not isinstance(record_id, str) or not record_id:
            _malformed(source, "record_id missing")
        if not isinstance(data, dict):
            _malformed(source, "data missing or not an object")
        if not isinstance(answered_subject, str):
            _malformed(source, "subject_id missing")
        if answered_subject != subject_id:
            raise HolderMismatchError(
                source, "gateway answered about a different subject"
            )
        return SourceRecord(
            source=source,
            subject_id=subject_id,
            record_id=record_id,
            fetched_at=now,
            data=data,
        )


def _raise_for_status(source: str, response: requests.Response) -> None:
    """Map every status but 200 to the port's errors (5xx to a retryable one)."""
    status = response.status_code
    if status == 200:
        return
    if status >= 500:
        raise _RetryableError(f"HTTP {status}")
    if status == 404:
        # Only the protocol's own answer means "no record". A bare 404 from a
        # proxy or a wrong base URL must not be read as "holds nothing", which
        # a rule could turn into "not on 低保": fail closed instead.
        payload = _json_or_none(response.content)
        if isinstance(payload, dict) and payload.get("error") == "no_record":
            raise NoRecordError(source, "gateway holds no record for subject")
        raise SourceUnavailableError(
            source, "HTTP 404 without a no_record answer (wrong gateway URL?)"
        )
    if status in (401, 403):
        raise SourceUnavailableError(
            source, f"HTTP {status}: gateway rejected credentials or signature"
        )
    raise SourceUnavailableError(source, f"unexpected HTTP {status}")


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        # ValueError covers JSONDecodeError and UnicodeDecodeError.
        return None


def _malformed(source: str, detail: str) -> NoReturn:
    raise SourceUnavailableError(source, f"malformed response: {detail}")
