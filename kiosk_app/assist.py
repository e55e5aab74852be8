"""Hall staff assisting at the kiosk (帮办): their own ID card, then a PIN.

While signed in (four hours at most, or until “结束协助”), every page shows
who assists, and every application made records them. The sign-in lives in
the screen's session cookie and survives the citizens' sessions; only the
staff member's id and masked name are kept there.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, g, jsonify, redirect, render_template, request, session
from flask import url_for
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from govcore import audit
from govcore.clock import local_date
from govcore.db import db
from govcore.errors import AuthenticationError, GovCoreError, ThrottledError
from govcore.privacy import mask_name
from govcore.staff.kiosk_assist import check_pin, staff_of_card
from govcore.staff.models import StaffAccount
from govcore.terminals import kiosk
from kiosk_app import bp
from kiosk_app.context import assisting

SIGN_IN_LASTS = timedelta(hours=4)
PIN_WAIT = timedelta(minutes=2)
TOO_MANY = "登录失败次数过多，请稍后再试（too many failed logins）"


def pepper() -> bytes:
    return current_app.extensions["miaopi.card_pepper"]


@bp.get("/assist")
def assist() -> Any:
    """“请工作人员刷本人身份证”: the page takes the next card as a staff card."""
    return render_template("kiosk/assist.html", prompt=None)


@bp.post("/assist/card")
def assist_card() -> Any:
    try:
        card = kiosk.take_card(
            g.terminal,
            card_seq=int(request.form.get("card_seq", "")),
            today=local_date(g.now),
        )
    except ValueError:
        return jsonify(error=_("请求有误")), 400
    except GovCoreError as error:
        db.session.commit()
        return jsonify(error=_(error.message)), 409
    db.session.commit()
    staff = staff_of_card(card["id_number"], pepper())
    if staff is None:
        return jsonify(error=_("此证件未登记为工作人员，请取走证件")), 409
    session["assist_pending"] = {
        "id": staff.id,
        "until": (g.now + PIN_WAIT).timestamp(),
    }
    return jsonify(next=url_for("kiosk.assist_pin"))


def _pending() -> StaffAccount | None:
    pending = session.get("assist_pending")
    if not pending or pending["until"] < g.now.timestamp():
        return None
    return db.session.get(StaffAccount, pending["id"])


@bp.get("/assist/pin")
def assist_pin() -> Any:
    if _pending() is None:
        return redirect(url_for("kiosk.assist"))
    return render_template("kiosk/assist_pin.html", error=None, prompt=None)


@bp.post("/assist/pin")
def assist_pin_check() -> Any:
    staff = _pending()
    if staff is None:
        return redirect(url_for("kiosk.assist"))
    try:
        check_pin(staff, request.form.get("pin", ""), now=g.now)
    except (AuthenticationError, ThrottledError) as error:
        return (
            render_template(
                "kiosk/assist_pin.html", error=_(error.message), prompt=None
            ),
            401 if isinstance(error, AuthenticationError) else 429,
        )
    session.pop("assist_pending", None)
    session["staff"] = {
        "id": str(staff.id),
        "name": mask_name(staff.display_name),
        "until": (g.now + SIGN_IN_LASTS).timestamp(),
    }
    audit.record_event(
        "kiosk_assist_started",
        actor=f"staff:{staff.id}",
        at=g.now,
        target=f"terminal:{g.terminal.code}",
    )
    db.session.commit()
    return redirect(url_for("kiosk.welcome"))


@bp.errorhandler(TooManyRequests)
def too_many_attempts(error: TooManyRequests) -> Any:
    """The address limit on wrong PINs (``kiosk-pin`` in webapp/rate_limits.py)
    answers on the PIN page, as the account's own throttle does, so the
    screen keeps its way back (取消) instead of a bare error page."""
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if request.endpoint == "kiosk.assist_pin_check":
        page = render_template("kiosk/assist_pin.html", error=_(TOO_MANY), prompt=None)
    else:  # no other kiosk endpoint is limited today
        page = render_template(
            "errors/error.html", status=429, message="请求过于频繁，请稍后再试"
        )
    return page, 429, headers


@bp.post("/assist/end")
def assist_end() -> Any:
    staff = assisting()
    session.pop("staff", None)
    if staff:
        audit.record_event(
            "kiosk_assist_ended",
            actor=f"staff:{staff['id']}",
            at=g.now,
            target=f"terminal:{g.terminal.code}",
        )
        db.session.commit()
    return redirect(url_for("kiosk.welcome"))
