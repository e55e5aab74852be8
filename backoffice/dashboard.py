"""The home page's 近30天趋势: whose figures, and the charts drawn from them."""

from __future__ import annotations

from markupsafe import Markup

from backoffice import charts
from govcore import staff
from govcore.catalog import Department
from govcore.reports import trends
from govcore.reports.trends import Series, Trends
from govcore.staff import StaffAccount
from govcore.staff.roles import DEPARTMENTAL

TOP_DEPARTMENTS = 5  # more stacked segments than this are hard to tell apart


def scope(
    account: StaffAccount, wanted: str
) -> tuple[Department | None, list[Department]]:
    """The department whose trends are shown (``None``: the whole bureau) and
    the departments the account may pick from.

    A departmental role always sees its own department, whatever the query
    string asks; a bureau-wide role with ``reports.read`` may pick one (an
    unknown code picks none); anyone else sees the bureau's totals only.
    """
    if account.role_set & DEPARTMENTAL:
        return account.department, []
    if not staff.allowed(account.roles, "reports.read"):
        return None, []
    choices = trends.list_departments()
    return next((d for d in choices if d.code == wanted), None), choices


def _folded(series: tuple[Series, ...]) -> list[charts.Series]:
    shown = [(s.label, s.values) for s in series[:TOP_DEPARTMENTS]]
    rest = series[TOP_DEPARTMENTS:]
    if rest:
        shown.append(("其他部门", tuple(map(sum, zip(*(s.values for s in rest))))))
    return shown


def trend_charts(period: Trends, *, by_department: bool) -> list[Markup]:
    """The charts of the home page, in reading order."""
    days = [d.strftime("%m-%d") for d in period.days]
    drawn = [
        charts.stacked_bars(
            "chart-channels",
            "每日提交办件（按渠道）",
            days,
            [(s.label, s.values) for s in period.by_channel],
        )
    ]
    if by_department:
        drawn.append(
            charts.stacked_bars(
                "chart-departments",
                "每日提交办件（按部门）",
                days,
                _folded(period.by_department),
            )
        )
    drawn.append(
        charts.rate_line(
            "chart-rate",
            "每日秒批率（系统自动批准 ÷ 系统作出的决定）",
            days,
            [("秒批率", period.auto_approval_rate)],
            extra_columns=[
                ("系统决定", period.decided),
                ("自动批准", period.auto_approved),
            ],
        )
    )
    drawn.append(
        charts.histogram(
            "chart-decision-times",
            "决定用时分布（从提交到批准或不予批准）",
            period.decision_times,
            unit="个",
        )
    )
    drawn.append(
        charts.histogram(
            "chart-ratings",
            "好差评",
            [(f"{stars}星 {grade}", n) for stars, grade, n in period.ratings],
            unit="条",
            category_name="评价",
        )
    )
    return drawn
