"""The console's home (today's figures) and the catalogue overview."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import g, render_template

from backoffice import bp
from backoffice.access import permission
from govcore import catalog, terminals
from govcore.clock import day_bounds, local_date
from govcore.reports import overview
from govcore.staff.roles import DEPARTMENTAL


@bp.get("/")
@permission("console.use")
def index() -> Any:
    """今日概况: applications, how they were decided, what waits, the kiosks."""
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
    return render_template(
        "admin/index.html",
        today=today,
        figures=figures,
        online=sum(t.online for t in fleet),
        terminals=len(fleet),
    )


@bp.get("/catalogue")
@permission("catalogue.read")
def catalogue() -> Any:
    """事项目录: every item in force with its reform flags."""
    versions = catalog.list_items(on=local_date(g.now))
    by_category = Counter(v.category for v in versions)
    by_miaopi = Counter(v.miaopi.value for v in versions)
    return render_template(
        "admin/catalogue.html",
        versions=versions,
        by_category=[(c, by_category.get(c, 0)) for c in catalog.Category],
        by_miaopi=by_miaopi,
    )
