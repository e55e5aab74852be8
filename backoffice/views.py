"""The console's home: today's figures and the last 30 days' trends."""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request

from backoffice import bp, dashboard
from backoffice.access import permission
from govcore import terminals
from govcore.clock import day_bounds, local_date
from govcore.reports import overview, trends
from govcore.staff.roles import DEPARTMENTAL


@bp.get("/")
@permission("console.use")
def index() -> Any:
    """今日概况 and 近30天趋势: applications, how they were decided, what
    waits, the kiosks; the last days as charts."""
    today = local_date(g.now)
    start, end = day_bounds(today)
    department = g.staff.department_id if g.staff.role_set & DEPARTMENTAL else None
    figures = overview(
        since=start,
        until=end,
        today=today,
        department_id=department,
    )
    fleet = terminals.fleet(now=g.now)
    chosen, departments = dashboard.scope(g.staff, request.args.get("department", ""))
    period = trends.daily_trends(
        today=today, department_id=chosen.id if chosen else None
    )
    return render_template(
        "admin/index.html",
        today=today,
        figures=figures,
        online=sum(t.online for t in fleet),
        terminals=len(fleet),
        period=period,
        charts=dashboard.trend_charts(period, by_department=chosen is None),
        departments=departments,
        chosen=chosen,
    )
