"""Rate limits (Flask-Limiter) on logins, one-time codes and public lookups.

Counted per client address (``request.remote_addr``; behind nginx the address
``deploy/gunicorn.conf.py`` takes from the trusted proxy's
``X-Forwarded-For``), in ``RATELIMIT_STORAGE_URI``: ``memory://`` in one
process, Redis when several workers or hosts must share the counts (the
central role). Should Redis stop answering, each worker falls back to counting
in its own memory rather than refusing every login.

===================  =====================================  ===================
scope                endpoints                              what counts
===================  =====================================  ===================
``staff-login``      ``POST /admin/login``,                 failed attempts
                     ``POST /api/v1/staff/login``
``citizen-login``    ``POST /api/v1/auth/dev-login``,       failed attempts
                     ``POST /api/v1/auth/miniprogram-login``
``one-time-code``    ``POST /api/v1/kiosk-login`` (a kiosk  failed attempts
                     screen's login QR), ``POST
                     /api/v1/handoff/claim`` (a hand-off
                     QR)
``kiosk-pin``        ``POST /kiosk/assist/pin`` (hall       failed attempts
                     staff's PIN at a kiosk)
``verify``           ``/verify/…``, ``/api/v1/verify/…``    every request
===================  =====================================  ===================

A failed attempt is an answer of 401, 403, 404, 409 or 410: a wrong password
or code, an unknown or used code. A malformed request (400, 422) guesses
nothing and is not counted, nor is a success: a hall's staff behind one
office address, or mobile users behind one carrier NAT, never lock each other
out by logging in. Past the limit every request of the scope gets 429 with a
Chinese message (JSON under /api/, the HTML error page elsewhere) and
``Retry-After``; the first refusal of a client in each window is audited as
``rate_limited`` (the scope and a keyed hash of the address, never the
address itself). Staff accounts are throttled by name as well
(``govcore.staff.accounts``), whatever the address, and so is each staff
member's kiosk PIN (``govcore.staff.kiosk_assist``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address

from govcore.audit import record_event
from govcore.clock import utcnow
from govcore.db import db

log = logging.getLogger(__name__)
FAILED = frozenset({401, 403, 404, 409, 410})


@dataclass(frozen=True)
class Rule:
    """Endpoints sharing one limit (the config key ``setting`` holds it)."""

    scope: str
    setting: str
    endpoints: tuple[str, ...]


RULES = (
    Rule(
        "staff-login", "STAFF_LOGIN_RATE_LIMIT", ("admin.login_submit", "staff.login")
    ),
    Rule(
        "citizen-login",
        "CITIZEN_LOGIN_RATE_LIMIT",
        ("auth.dev_login", "auth.miniprogram_login"),
    ),
    Rule(
        "one-time-code",
        "ONE_TIME_CODE_RATE_LIMIT",
        ("kiosk_login.kiosk_login", "handoff.claim_handoff"),
    ),
    Rule("kiosk-pin", "KIOSK_PIN_RATE_LIMIT", ("kiosk.assist_pin_check",)),
)
# Whole blueprints, every request counted: the public verification.
VERIFY_BLUEPRINTS = ("verify_page", "verify")


def init_app(app: Flask) -> Limiter:
    """Bind a limiter of ``app``'s own (test apps never share counters) and
    put the limits on the endpoints; call after the blueprints are registered.

    :raise KeyError: a rule names an endpoint that does not exist.
    """
    limiter = Limiter(get_remote_address, app=app, on_breach=audit_breach)
    for rule in RULES:
        limit = limiter.shared_limit(
            app.config[rule.setting], scope=rule.scope, deduct_when=failed
        )
        for endpoint in rule.endpoints:
            app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    verify = limiter.shared_limit(app.config["VERIFY_RATE_LIMIT"], scope="verify")
    for name in VERIFY_BLUEPRINTS:
        verify(app.blueprints[name])
    app.extensions["miaopi.rate_limit_audited"] = set()
    return limiter


def failed(response: Response) -> bool:
    return response.status_code in FAILED


def audit_breach(limit: RequestLimit) -> None:
    """Audit the first refusal of a client per scope and window (remembered
    in this process: with several workers, at most once in each)."""
    seen: set[tuple[str, int]] = current_app.extensions["miaopi.rate_limit_audited"]
    mark = (limit.key, int(limit.reset_at))
    if mark in seen:
        return
    if len(seen) > 10_000:  # old windows: forget them all
        seen.clear()
    seen.add(mark)
    scope = limit.request_args[-1]
    try:
        record_event(
            "rate_limited",
            actor="anonymous",
            at=utcnow(),
            target=f"endpoint:{request.endpoint}",
            details={
                "scope": scope,
                "limit": str(limit.limit),
                "client": client_digest(limit.request_args[-2]),
            },
        )
        db.session.commit()
    except Exception:  # the 429 goes out whatever happens to the audit row
        db.session.rollback()
        log.exception("rate limit %s: audit event not written", scope)


def client_digest(address: str) -> str:
    """A keyed hash of the client address: the same client is recognisable
    across events, the address itself is not in the audit log."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    mac = hmac.new(key, b"rate-limit:" + address.encode(), hashlib.sha256)
    return mac.hexdigest()[:16]
