"""Who is at the kiosk: the terminal the screen belongs to, the card holder's
session, the assisting staff member, and the person's display preferences.

The screen is bound to its terminal by the server, never by the browser:
behind nginx the terminal's client certificate names it in
``KIOSK_TERMINAL_HEADER``; a one-terminal setup (the standalone demo) names
it in ``KIOSK_TERMINAL``. The browser holds only Flask's signed session
cookie with the session token and the preferences; ending a session clears
it with ``Clear-Site-Data``. Every kiosk page is ``no-store``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import (
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from govcore.applications import Caller, ChannelKind
from govcore.clock import utcnow
from govcore.db import db
from govcore.errors import AuthenticationError
from govcore.privacy import mask_name
from govcore.terminals import kiosk
from kiosk_app import bp

# Pages that work without a card holder's session.
OPEN_ENDPOINTS = frozenset(
    {
        "kiosk.welcome",
        "kiosk.poll",
        "kiosk.start",
        "kiosk.ended",
        "kiosk.timeout",
        "kiosk.login_qr",
        "kiosk.prefs",
        "kiosk.assist",
        "kiosk.assist_card",
        "kiosk.assist_pin",
        "kiosk.assist_pin_check",
        "kiosk.assist_end",
    }
)
POLL_ENDPOINTS = frozenset({"kiosk.poll"})


def terminal_code() -> str | None:
    header = current_app.config.get("KIOSK_TERMINAL_HEADER")
    if header and request.headers.get(header):
        return request.headers[header]
    return current_app.config.get("KIOSK_TERMINAL")


@bp.before_request
def load_context() -> Any:
    g.now = utcnow()
    code = terminal_code()
    g.terminal = kiosk.terminal_by_code(code) if code else None
    if g.terminal is None:
        return render_template("kiosk/unpaired.html"), 503
    g.person = None
    g.end_reason = None
    token = session.get("token")
    if token:
        try:
            g.person = kiosk.kiosk_session(
                token,
                g.terminal,
                now=g.now,
                touch=request.endpoint not in POLL_ENDPOINTS,
            )
        except AuthenticationError:
            ended = kiosk.find_session(token)
            g.end_reason = (ended.end_reason if ended else None) or "ended"
    if g.person is None and request.endpoint not in OPEN_ENDPOINTS:
        return redirect(url_for("kiosk.ended"))
    return None


@bp.after_request
def shared_device_hygiene(response: Response) -> Response:
    # A shared screen: nothing a page showed may be kept or shown again.
    # (Framing, referrer and the other security headers: webapp.security_headers.)
    response.headers["Cache-Control"] = "no-store"
    if g.get("person") is not None:
        db.session.commit()  # the session's activity noted by this request
    return response


def require_person(view: Callable[..., Any]) -> Callable[..., Any]:
    """For views that need the card holder (the before_request hook already
    redirects; this documents it and narrows ``g.person`` for the view)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.person is None:
            return redirect(url_for("kiosk.ended"))
        return view(*args, **kwargs)

    return wrapper


def caller() -> Caller:
    staff = assisting()
    return Caller(
        id_number=g.person.id_number,
        name=g.person.name,
        channel=ChannelKind.KIOSK,
        terminal_id=g.terminal.code,
        staff_id=staff["id"] if staff else None,
        session_id=g.person.id,
    )


def assisting() -> dict[str, Any] | None:
    """The hall staff member signed in at this screen, while the sign-in lasts."""
    staff = session.get("staff")
    if staff and staff.get("until", 0) > g.now.timestamp():
        return staff
    return None


def forget_person() -> dict[str, Any] | None:
    """Clear the screen's cookie of the person (token, preferences, scans,
    prints); an assisting staff member's sign-in survives. Returns it."""
    staff = assisting()
    session.clear()
    if staff:
        session["staff"] = staff
    return staff


def prefs() -> dict[str, Any]:
    return {
        "elder": bool(session.get("elder")),
        "muted": bool(session.get("muted")),
        "lang": session.get("lang", "zh"),
    }


@bp.app_context_processor
def kiosk_globals() -> dict[str, Any]:
    if request.blueprint != "kiosk":
        return {}
    person = g.get("person")
    return {
        "prefs": prefs(),
        "holder_name": mask_name(person.name) if person else None,
        "idle_seconds": person.idle_seconds if person else None,
        "staff": assisting(),
    }
