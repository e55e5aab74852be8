"""Who is at the console: every /admin/ page needs a staff login (password
and TOTP, :func:`govcore.staff.login`), and each page a permission of the
staff member's role (:data:`govcore.staff.PERMISSIONS`).

The browser keeps only the session token, in Flask's signed cookie; the
session itself (idle 15 min, 8 h at most) is on the server and ends at once
on logout or when the account is disabled. Every page is ``no-store``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Response, g, redirect, render_template, request, session, url_for

from backoffice import bp
from govcore import staff
from govcore.clock import DISTRICT_TZ, utcnow
from govcore.db import db
from govcore.errors import AuthenticationError
from govcore.staff.roles import PERMISSIONS, roles_label

OPEN_ENDPOINTS = frozenset({"admin.login", "admin.login_submit"})


@bp.before_request
def load_staff() -> Any:
    g.now = utcnow()
    g.staff = None
    token = session.get("staff_token")
    if token:
        try:
            g.staff = staff.resolve_session(token, now=g.now).account
        except AuthenticationError:
            session.pop("staff_token", None)
    if g.staff is None and request.endpoint not in OPEN_ENDPOINTS:
        return redirect(url_for("admin.login", next=request.path))
    return None


@bp.after_request
def console_hygiene(response: Response) -> Response:
    # Framing, referrer and the other security headers: webapp.security_headers.
    response.headers["Cache-Control"] = "no-store"
    if g.get("staff") is not None:
        db.session.commit()  # the session's activity
    return response


def permission(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The view needs ``name`` (a key of PERMISSIONS); others get 403."""
    if name not in PERMISSIONS:
        raise KeyError(name)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        view.permission = name  # type: ignore[attr-defined]  # for the matrix test

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not staff.allowed(g.staff.roles, name):
                role = roles_label(g.staff.roles)
                return render_template("admin/forbidden.html", role=role), 403
            return view(*args, **kwargs)

        return wrapper

    return decorate


@bp.app_context_processor
def console_globals() -> dict[str, Any]:
    if request.blueprint != "admin" or g.get("staff") is None:
        return {}
    account = g.staff
    return {
        "me": {
            # The staff member's own name, on their own screen.
            "name": account.display_name or account.username,
            "role": roles_label(account.roles),
            "department": account.department.short_name if account.department else "",
        },
        "can": lambda name: staff.allowed(account.roles, name),
    }


@bp.app_template_filter("local_time")
def local_time(moment: datetime | None) -> str:
    """A stored (UTC) moment as the district's wall-clock time."""
    if moment is None:
        return ""
    return moment.astimezone(DISTRICT_TZ).strftime("%Y-%m-%d %H:%M")
