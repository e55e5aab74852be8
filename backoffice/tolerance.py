"""容缺: the applications accepted with a material owed. Three tabs: those
still waiting (deadline, working days left, reminders sent), those whose
deadline lapsed and what that did, and those resumed once supplied."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, render_template, request

from backoffice import bp
from backoffice.access import permission
from govcore.clock import DISTRICT_TZ
from govcore.staff import tolerance_desk

TABS = {"waiting": "待补正", "lapsed": "已逾期", "resumed": "已补齐"}


@bp.get("/tolerance")
@permission("tolerance.read")
def tolerance() -> Any:
    tab = request.args.get("tab", "waiting")
    if tab == "waiting":
        calendar = current_app.extensions["miaopi.calendar"]
        rows = tolerance_desk.waiting(g.staff, now=g.now, calendar=calendar)
    elif tab in TABS:
        rows = getattr(tolerance_desk, tab)(g.staff, now=g.now)
    else:
        abort(404)
    return render_template(
        "admin/tolerance.html",
        tab=tab,
        tabs=TABS,
        rows=rows,
        window_days=tolerance_desk.WINDOW.days,
        tz=DISTRICT_TZ,
    )
