"""The quarterly report: each department's items, applications and how they
were decided, rated and kept in time, over one quarter of the district's
calendar (dates from :mod:`govcore.clock`).

Per department with items in force, applications submitted in the quarter
or a review overdue in it (a department with items and no applications is
a finding too), and a 合计 row:

* 事项数, 秒报事项数, 秒批事项数: its items in force on the quarter's last
  day (or today, while the quarter runs); 秒批 counts only full 秒批 (Y);
* 办件量 and its split by channel (自助终端, 移动端, 窗口, 免申即享);
* 自动审批率 / 人工审批率: of the applications decided so far, the share the
  rules decided alone (approve or refuse) and the share sent to a person;
* 决定用时中位数: seconds from submission to the final approve or refuse
  (the rules' own time for an automated one);
* 好差评: the average stars and the share of 好评 (3 stars or more: 非常满意,
  满意 and 基本满意 are 好评 in the 好差评 scheme);
* 逾期未审核数: review tasks still open past their due date at the quarter's
  end (or today), plus those closed in the quarter after their due date.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from govcore.applications.models import Application, ChannelKind
from govcore.catalog.models import Department, Item, ItemVersion
from govcore.catalog.schema import MiaopiLevel
from govcore.catalog.service import list_items
from govcore.clock import day_start, local_date
from govcore.db import db
from govcore.decisions.models import Decision, ReviewTask
from govcore.errors import ValidationError
from govcore.ratings.models import ServiceRating
from govcore.reports.table import ReportTable

TITLE = "秒批秒报工作季度报告"
CHANNEL_COLUMNS = {
    ChannelKind.KIOSK: "其中：自助终端",
    ChannelKind.MOBILE: "其中：移动端",
    ChannelKind.COUNTER: "其中：窗口",
    ChannelKind.SYSTEM: "其中：免申即享",
}
COLUMNS = (
    "部门",
    "事项数",
    "秒报事项数",
    "秒批事项数",
    "办件量",
    *CHANNEL_COLUMNS.values(),
    "自动审批率",
    "人工审批率",
    "决定用时中位数",
    "好差评平均分",
    "好评率",
    "逾期未审核数",
)
GOOD_STARS = 3

_NOTES = (
    "列出有在用事项、本季度办件或逾期审核任务的部门；事项数按统计期末在用版本计，"
    "秒批事项数只计全部秒批的事项。",
    "自动审批率、人工审批率以本季度提交且已作出决定的办件为基数；"
    "决定用时为提交至批准或不予批准的时间（自动审批为规则运行用时；Excel 中以秒计）。",
    "好评率为三星及以上评价（非常满意、满意、基本满意）所占比例。",
    "逾期未审核数为期末仍未办结且已过办理期限的审核任务，"
    "加上本季度办结但超过期限的审核任务。",
)


@dataclass
class _Figures:
    items: int = 0
    miaobao: int = 0
    miaopi: int = 0
    channels: Counter[str] = field(default_factory=Counter)
    auto: int = 0
    manual: int = 0
    seconds: list[float] = field(default_factory=list)
    stars: list[int] = field(default_factory=list)
    overdue: int = 0

    def add(self, other: _Figures) -> None:
        for name in ("items", "miaobao", "miaopi", "auto", "manual", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.channels.update(other.channels)
        self.seconds += other.seconds
        self.stars += other.stars

    def row(self, name: str) -> tuple:
        decided = self.auto + self.manual
        return (
            name,
            self.items,
            self.miaobao,
            self.miaopi,
            sum(self.channels.values()),
            *(self.channels.get(c.value, 0) for c in CHANNEL_COLUMNS),
            self.auto / decided if decided else None,
            self.manual / decided if decided else None,
            round(statistics.median(self.seconds), 3) if self.seconds else None,
            round(statistics.fmean(self.stars), 2) if self.stars else None,
            _share(sum(s >= GOOD_STARS for s in self.stars), len(self.stars)),
            self.overdue,
        )


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """The first day of ``quarter`` of ``year`` and the first day after it.

    :raise ValidationError: for a quarter other than 1–4 or an unlikely year.
    """
    if quarter not in (1, 2, 3, 4):
        raise ValidationError("季度须为 1 至 4", field="quarter")
    if not 2000 <= year <= 2100:
        raise ValidationError("年份须在 2000 至 2100 之间", field="year")
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, after


def build_quarterly(*, year: int, quarter: int, today: date) -> ReportTable:
    """Return the quarterly report of ``quarter`` (1–4) of ``year``.

    A quarter still running is counted up to and including ``today``.

    :raise ValidationError: for a bad quarter or year, or one not yet begun.
    """
    first, after = quarter_bounds(year, quarter)
    if first > today:
        raise ValidationError(f"{year}年第{quarter}季度尚未开始", field="quarter")
    end = min(after, today + timedelta(days=1))  # the first day not counted
    figures: dict[int, _Figures] = {}
    _count_applications(figures, first, end)
    _count_overdue(figures, first, end, overdue_before=min(after, today))
    _count_items(figures, on=end - timedelta(days=1))
    departments = db.session.scalars(
        sa.select(Department)
        .where(Department.id.in_(list(figures)))
        .order_by(Department.code)
    ).all()
    total = _Figures()
    rows = []
    for department in departments:
        rows.append(figures[department.id].row(department.name))
        total.add(figures[department.id])
    rows.append(total.row("合计"))
    last = end - timedelta(days=1)
    return ReportTable(
        title=f"{TITLE}（{year}年第{quarter}季度）",
        subtitle=f"统计期间：{first.isoformat()} 至 {last.isoformat()}",
        columns=COLUMNS,
        rows=rows,
        notes=_NOTES,
        percent=frozenset({"自动审批率", "人工审批率", "好评率"}),
        seconds=frozenset({"决定用时中位数"}),
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _count_applications(figures: dict[int, _Figures], first: date, end: date) -> None:
    since, until = day_start(first), day_start(end)
    applications = db.session.execute(
        sa.select(Application.id, Application.channel, Application.submitted_at)
        .add_columns(Item.department_id)
        .join(ItemVersion, Application.item_version_id == ItemVersion.id)
        .join(Item, ItemVersion.item_id == Item.id)
        .where(Application.submitted_at >= since, Application.submitted_at < until)
    ).all()
    if not applications:
        return
    ids = [a.id for a in applications]
    decisions: dict[int, list] = {}
    for decision in db.session.execute(
        sa.select(
            Decision.application_id,
            Decision.outcome,
            Decision.automated,
            Decision.latency_ms,
            Decision.decided_at,
        )
        .where(Decision.application_id.in_(ids), Decision.decided_at < until)
        .order_by(Decision.id)
    ):
        decisions.setdefault(decision.application_id, []).append(decision)
    stars = dict(
        db.session.execute(
            sa.select(ServiceRating.application_id, ServiceRating.stars).where(
                ServiceRating.application_id.in_(ids), ServiceRating.created_at < until
            )
        ).all()
    )
    for application in applications:
        mine = figures.setdefault(application.department_id, _Figures())
        mine.channels[str(application.channel)] += 1
        if application.id in stars:
            mine.stars.append(stars[application.id])
        _count_decisions(mine, application, decisions.get(application.id, []))


def _count_decisions(mine: _Figures, application: sa.Row, decisions: list) -> None:
    if not decisions:
        return
    first = decisions[0]
    if first.automated and first.outcome in ("approve", "refuse"):
        mine.auto += 1
    else:
        mine.manual += 1
    final = [d for d in decisions if d.outcome in ("approve", "refuse")]
    if final:
        last = final[-1]
        if last.automated:
            mine.seconds.append(last.latency_ms / 1000)
        else:
            elapsed = last.decided_at - application.submitted_at
            mine.seconds.append(max(elapsed.total_seconds(), 0.0))


def _count_overdue(
    figures: dict[int, _Figures], first: date, end: date, *, overdue_before: date
) -> None:
    since, until = day_start(first), day_start(end)
    open_late = db.session.execute(
        sa.select(ReviewTask.department_id, sa.func.count(ReviewTask.id))
        .where(ReviewTask.created_at < until, ReviewTask.due_on < overdue_before)
        .where(sa.or_(ReviewTask.closed_at.is_(None), ReviewTask.closed_at >= until))
        .group_by(ReviewTask.department_id)
    ).all()
    for department_id, count in open_late:
        figures.setdefault(department_id, _Figures()).overdue += count
    closed = db.session.execute(
        sa.select(
            ReviewTask.department_id, ReviewTask.due_on, ReviewTask.closed_at
        ).where(ReviewTask.closed_at >= since, ReviewTask.closed_at < until)
    ).all()
    for department_id, due_on, closed_at in closed:
        if local_date(closed_at) > due_on:
            figures.setdefault(department_id, _Figures()).overdue += 1


def _count_items(figures: dict[int, _Figures], *, on: date) -> None:
    for version in list_items(on=on):
        mine = figures.setdefault(version.item.department_id, _Figures())
        mine.items += 1
        mine.miaobao += version.miaobao
        mine.miaopi += version.miaopi is MiaopiLevel.YES
