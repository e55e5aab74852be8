"""HMAC-SHA256 request signing of the data-sharing gateway protocol.

See ``docs/datahub-gateway.md``. :func:`sign` is used by the adapter;
:func:`verify` is what the gateway (or a test double) does on its side.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

HEADER_APP_KEY = "X-App-Key"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"


def _canonical(
    method: str, path: str, timestamp: str, nonce: str, body: bytes
) -> bytes:
    body_hash = hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), path, timestamp, nonce, body_hash]).encode(
        "utf-8"
    )


def sign(
    secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes
) -> str:
    """Return the request signature: lowercase hex HMAC-SHA256 of the canonical form.

    The canonical form is ``"\\n".join([METHOD, path, timestamp, nonce,
    sha256_hex(body)])`` encoded as UTF-8.

    :param secret: the app secret shared with the gateway.
    :param method: the HTTP method; upper-cased before signing.
    :param path: the request path as sent, including any base-URL prefix and
        excluding scheme, host and query string, e.g. ``/v1/query``.
    :param timestamp: unix seconds, as sent in ``X-Timestamp``.
    :param nonce: the single-use value sent in ``X-Nonce``.
    :param body: the exact request body bytes.
    :return: 64 lowercase hex characters.
    """
    return hmac.new(
        secret.encode("utf-8"),
        _canonical(method, path, timestamp, nonce, body),
        hashlib.sha256,
    ).hexdigest()


def signed_headers(app_key: str, secret: str, path: str, body: bytes) -> dict[str, str]:
    """The headers of a signed JSON ``POST`` of ``body`` to ``path``, with a
    fresh timestamp and nonce (so a retry is never a replay)."""
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    return {
        "Content-Type": "application/json; charset=utf-8",
        "Accept": "application/json",
        HEADER_APP_KEY: app_key,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: sign(secret, "POST", path, timestamp, nonce, body),
    }


def verify(
    secret: str,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    max_skew_s: int = 300,
) -> bool:
    """Check a signed request, as the gateway (or a test double) would.

    Header names are matched case-insensitively. This checks the signature and
    the timestamp window only; rejecting a replayed ``X-Nonce`` within the
    window needs state and is left to the caller.

    :param secret: the app secret belonging to the request's ``X-App-Key``.
    :param method: the HTTP method of the request.
    :param path: the request path without query string.
    :param headers: the request headers.
    :param body: the exact request body bytes.
    :param now: the verifier's current time in unix seconds.
    :param max_skew_s: how far (either way) ``X-Timestamp`` may be from ``now``.
    :return: ``True`` only if all signing headers are present, the timestamp is
        fresh and the signature matches.
    """
    lowered = {str(k).lower(): v for k, v in headers.items()}
    values = [
        lowered.get(name.lower())
        for name in (HEADER_APP_KEY, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)
    ]
    if not all(isinstance(v, str) and v for v in values):
        return False
    _, timestamp, nonce, signature = (str(v) for v in values)
    if not timestamp.isascii() or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > max_skew_s:
        return False
    expected = sign(secret, method, path, timestamp, nonce, body)
    # compare_digest on str rejects non-ASCII with TypeError; compare bytes so
    # a garbage header is simply "not equal".
    return hmac.compare_digest(
        expected.encode("ascii"), signature.encode("utf-8", "surrogateescape")
    )
