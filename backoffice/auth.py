"""Staff login (password + TOTP) and logout at /admin/login."""

from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request, session, url_for

from backoffice import bp
from govcore import staff
from govcore.db import db
from govcore.errors import AuthenticationError, ThrottledError


@bp.get("/login")
def login() -> Any:
    if g.staff is not None:
        return redirect(_next())
    return render_template("admin/login.html", error=None, next=_next())


@bp.post("/login")
def login_submit() -> Any:
    form = request.form
    try:
        token, _session = staff.login(
            form.get("username", ""),
            form.get("password", ""),
            form.get("otp", ""),
            now=g.now,
        )
    except (AuthenticationError, ThrottledError) as error:
        status = 429 if isinstance(error, ThrottledError) else 401
        page = render_template("admin/login.html", error=error.message, next=_next())
        return page, status
    session.clear()
    session["staff_token"] = token
    return redirect(_next())


@bp.post("/logout")
def logout() -> Any:
    token = session.pop("staff_token", None)
    if token:
        staff.logout(staff.resolve_session(token, now=g.now), now=g.now)
    g.staff = None
    db.session.commit()
    response = redirect(url_for("admin.login"))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


def _next() -> str:
    target = request.values.get("next", "")
    if target.startswith("/admin/") and "//" not in target and "\\" not in target:
        return target
    return url_for("admin.index")
