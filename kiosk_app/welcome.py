"""The welcome screen, the card that starts a session, and the session's end.

The welcome page polls ``/kiosk/poll``; when the agent reports a card, the
page asks ``/kiosk/start`` to open the card holder's session (the card's data
then leaves the terminal row). Every page of a session polls too: the card
taken away, an idle timeout or the 15-minute limit end it, and the page
moves to ``/kiosk/ended``, which clears the browser (``Clear-Site-Data``).
"""

from __future__ import annotations

from typing import Any

from flask import (
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from govcore.clock import local_date
from govcore.db import db
from govcore.errors import GovCoreError
from govcore.identity.sessions import end_session
from govcore.terminals import kiosk
from kiosk_app import bp
from kiosk_app.context import forget_person

PROBLEM_MESSAGES = {
    "no_card": "没有检测到证件，请把身份证放在读卡区",
    "select_failed": "证件读取失败，请取出后再放一次",
    "read_failed": "证件读取失败，请取出后再放一次",
    "timeout": "读卡器没有响应，请联系工作人员",
    "offline": "读卡器未连接，请联系工作人员",
}
END_MESSAGES = {
    "card_removed": "您已取走证件，本次服务结束。",
    "card_replaced": "读卡区换了一张证件，上一位的服务已结束。",
    "expired": "长时间没有操作，为保护您的信息，已自动退出。",
    "idle": "长时间没有操作，为保护您的信息，已自动退出。",
    "user_exit": "您已退出，本次服务结束。",
    "handoff": "已转到手机继续办理，本终端已退出。",
}


@bp.get("/")
def welcome() -> Any:
    if g.person is not None:
        return redirect(url_for("kiosk.home"))
    return render_template("kiosk/welcome.html", prompt="welcome")


@bp.get("/poll")
def poll() -> Any:
    """What the screen needs to know, without counting as activity."""
    state = kiosk.screen_state(g.terminal, now=g.now)
    person = g.person
    return jsonify(
        card_present=state.card_present,
        card_seq=state.card_seq,
        card_waiting=state.card_waiting,
        problem=(
            _(PROBLEM_MESSAGES.get(state.problem, "证件读取失败，请取出后再放一次"))
            if state.problem
            else None
        ),
        session=(
            {"live": True, "deadline_in": _seconds_left(person)}
            if person is not None
            else {"live": False, "ended": g.end_reason}
        ),
    )


@bp.post("/start")
def start() -> Any:
    """Open the session of the card on the reader."""
    try:
        seq = int(request.form.get("card_seq", ""))
        started = kiosk.start_session(
            g.terminal, card_seq=seq, now=g.now, today=local_date(g.now)
        )
    except ValueError:
        return jsonify(error=_("请求有误")), 400
    except GovCoreError as error:
        db.session.commit()  # an expired card's data is wiped all the same
        return jsonify(error=_(error.message), code=error.code), 409
    db.session.commit()
    forget_person()  # the assisting staff member stays signed in
    session["token"] = started.token
    # A foreigner's permanent residence card chooses English; any can switch.
    session["lang"] = "en" if started.card_type == "foreigner" else "zh"
    return jsonify(next=url_for("kiosk.home"))


@bp.post("/keepalive")
def keepalive() -> Any:
    """“继续办理” on the idle warning: the request itself notes activity."""
    return jsonify(deadline_in=_seconds_left(g.person))


@bp.post("/prefs")
def prefs() -> Any:
    """Elder mode, sound and language, switched from any screen."""
    for key in ("elder", "muted"):
        if key in request.form:
            session[key] = request.form[key] == "1"
    if request.form.get("lang") in ("zh", "en"):
        session["lang"] = request.form["lang"]
    if g.person is not None and "elder" in request.form:
        kiosk.set_elder_mode(g.person, bool(session.get("elder")))
    return redirect(_back())


@bp.post("/exit")
def exit_session() -> Any:
    end_session(g.person, reason="user_exit", now=g.now)
    db.session.commit()
    return redirect(url_for("kiosk.ended"))


@bp.post("/timeout")
def timeout() -> Any:
    """The page counted the person's idle time out (the server's own deadline
    would end the session a little later anyway)."""
    if g.person is not None:
        end_session(g.person, reason="idle", now=g.now)
        db.session.commit()
    g.person = None
    return "", 204


@bp.get("/ended")
def ended() -> Any:
    """The session is over: say why, forget everything, back to welcome."""
    reason = g.end_reason or "user_exit"
    staff = forget_person()
    response = render_template(
        "kiosk/ended.html",
        message=_(END_MESSAGES.get(reason, "本次服务已结束。")),
    )
    headers = {"Clear-Site-Data": '"cache", "storage"'}
    if not staff:
        headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response, 200, headers


def _seconds_left(person: Any) -> int:
    return max(0, int((person.deadline() - g.now).total_seconds()))


def _back() -> str:
    target = request.form.get("next", "")
    if target.startswith("/kiosk/") and "//" not in target:
        return target
    return url_for("kiosk.welcome")
