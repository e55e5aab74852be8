"""The console's trends: the last days' applications by channel and by
department, the share the rules approved at once (秒批率), how long decisions
took, and the ratings (好差评).

Days are the district's calendar days. Counting per day is done in SQL: a
CASE over the period's day boundaries gives each row its day number, which
works alike on SQLite and PostgreSQL (their date functions differ, and would
need the district's time zone), and the rows are grouped in a subquery so
that PostgreSQL sees the same expression in SELECT and GROUP BY. Decision
times are bucketed in Python, because subtracting timestamps differs between
the dialects too; one row per decision over a bounded period is cheap.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from govcore.applications.models import Application, ChannelKind
from govcore.catalog.models import Department, Item, ItemVersion
from govcore.clock import day_start
from govcore.db import db
from govcore.decisions.models import Decision
from govcore.ratings.models import ServiceRating

DEFAULT_DAYS = 30

CHANNEL_LABELS: dict[ChannelKind, str] = {
    ChannelKind.KIOSK: "自助终端",
    ChannelKind.MOBILE: "移动端",
    ChannelKind.COUNTER: "窗口",
    ChannelKind.SYSTEM: "免申即享",
}

# Upper bounds in seconds. The first three hold 秒批 (the rules alone answer in
# well under a second, a data source may be slow); the rest are people's work.
DECISION_TIME_BUCKETS: tuple[tuple[float, str], ...] = (
    (1, "1秒以内"),
    (10, "1–10秒"),
    (60, "10秒–1分钟"),
    (3600, "1分钟–1小时"),
    (86400, "1小时–1天"),
    (5 * 86400, "1–5天"),
    (float("inf"), "5天以上"),
)

# The five grades of the 政务服务“好差评” scheme, best first.
RATING_LABELS: dict[int, str] = {
    5: "非常满意",
    4: "满意",
    3: "基本满意",
    2: "不满意",
    1: "非常不满意",
}


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass(frozen=True)
class Trends:
    days: tuple[date, ...]
    by_channel: tuple[Series, ...]  # in the order of ChannelKind, those seen
    by_department: tuple[Series, ...]  # busiest first
    decided: tuple[int, ...]  # the system's decisions (one per submission)
    auto_approved: tuple[int, ...]  # of which approvals
    decision_times: tuple[tuple[str, int], ...]  # bucket label, decisions
    ratings: tuple[tuple[int, str, int], ...]  # stars, grade, count; 5 first

    @property
    def submitted(self) -> tuple[int, ...]:
        return tuple(
            sum(s.values[n] for s in self.by_channel) for n in range(len(self.days))
        )

    @property
    def auto_approval_rate(self) -> tuple[float | None, ...]:
        """Each day's 秒批率: automatic approvals over the system's decisions;
        ``None`` on a day without decisions."""
        return tuple(
            approved / decided if decided else None
            for approved, decided in zip(self.auto_approved, self.decided)
        )


def daily_trends(
    *, today: date, days: int = DEFAULT_DAYS, department_id: int | None = None
) -> Trends:
    """The figures of the ``days`` district days ending with ``today``.

    :param department_id: count only the items of this department.
    """
    period = tuple(today - timedelta(days=n) for n in range(days - 1, -1, -1))
    starts = [day_start(d) for d in (*period, today + timedelta(days=1))]
    by_channel, by_department = _submissions(starts, department_id)
    decided, approved = _automatic(starts, department_id)
    return Trends(
        days=period,
        by_channel=by_channel,
        by_department=by_department,
        decided=decided,
        auto_approved=approved,
        decision_times=_decision_times(starts, department_id),
        ratings=_ratings(starts, department_id),
    )


def list_departments() -> list[Department]:
    """Every department, by code (for the console's filter)."""
    return list(db.session.scalars(sa.select(Department).order_by(Department.code)))


def _day_number(column: sa.ColumnElement[datetime], starts: Sequence[datetime]):
    """0 for the period's first day, 1 for the next…: rows must lie in the period."""
    whens = [(column < start, n) for n, start in enumerate(starts[1:-1])]
    return sa.case(*whens, else_=len(starts) - 2)


def _in_period(column: sa.ColumnElement[datetime], starts: Sequence[datetime]):
    return sa.and_(column >= starts[0], column < starts[-1])


def _of_department(query: sa.Select, department_id: int | None) -> sa.Select:
    """Join the application's item (the query selects from Application)."""
    query = query.join(ItemVersion, Application.item_version_id == ItemVersion.id)
    query = query.join(Item, ItemVersion.item_id == Item.id)
    if department_id is not None:
        query = query.where(Item.department_id == department_id)
    return query


def _grouped(inner: sa.Select, *keys: str) -> list[sa.Row]:
    rows = inner.subquery()
    columns = [rows.c[k] for k in keys]
    return list(
        db.session.execute(
            sa.select(*columns, sa.func.count().label("n")).group_by(*columns)
        )
    )


def _submissions(
    starts: Sequence[datetime], department_id: int | None
) -> tuple[tuple[Series, ...], tuple[Series, ...]]:
    inner = _of_department(
        sa.select(
            _day_number(Application.submitted_at, starts).label("day"),
            Application.channel.label("channel"),
            Item.department_id.label("department"),
        ),
        department_id,
    ).where(_in_period(Application.submitted_at, starts))
    size = len(starts) - 1
    channels: dict[str, list[int]] = defaultdict(lambda: [0] * size)
    departments: dict[int, list[int]] = defaultdict(lambda: [0] * size)
    for day, channel, department, n in _grouped(inner, "day", "channel", "department"):
        channels[ChannelKind(channel)][day] += n
        departments[department][day] += n
    names = {
        d.id: d
        for d in db.session.execute(
            sa.select(Department.id, Department.code, Department.short_name).where(
                Department.id.in_(departments)
            )
        )
    }
    by_channel = tuple(
        Series(kind.value, CHANNEL_LABELS[kind], tuple(channels[kind]))
        for kind in ChannelKind
        if kind in channels
    )
    by_department = sorted(
        (
            Series(names[d].code, names[d].short_name, tuple(v))
            for d, v in departments.items()
        ),
        key=lambda s: (-s.total, s.label),
    )
    return by_channel, tuple(by_department)


def _automatic(
    starts: Sequence[datetime], department_id: int | None
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    # The system decides every submission once; a person's later decision on
    # a manual review is not a second submission, so only automated rows count.
    inner = _of_department(
        sa.select(
            _day_number(Decision.decided_at, starts).label("day"),
            Decision.outcome.label("outcome"),
        ).join(Application, Decision.application_id == Application.id),
        department_id,
    ).where(Decision.automated.is_(True), _in_period(Decision.decided_at, starts))
    decided = [0] * (len(starts) - 1)
    approved = [0] * (len(starts) - 1)
    for day, outcome, n in _grouped(inner, "day", "outcome"):
        decided[day] += n
        if outcome == "approve":
            approved[day] += n
    return tuple(decided), tuple(approved)


def decision_bucket(seconds: float) -> str:
    """The label of the decision-time bucket ``seconds`` falls in."""
    return next(label for bound, label in DECISION_TIME_BUCKETS if seconds < bound)


def _decision_times(
    starts: Sequence[datetime], department_id: int | None
) -> tuple[tuple[str, int], ...]:
    # From submission to a verdict (approve or refuse; "manual" only hands the
    # case on): the system's decisions are stamped with their start, so their
    # measured run time is added.
    rows = db.session.execute(
        _of_department(
            sa.select(
                Decision.decided_at, Application.submitted_at, Decision.latency_ms
            ).join(Application, Decision.application_id == Application.id),
            department_id,
        ).where(
            Decision.outcome.in_(("approve", "refuse")),
            _in_period(Decision.decided_at, starts),
        )
    )
    counts = Counter(
        decision_bucket(
            ((decided - (submitted or decided)).total_seconds()) + latency_ms / 1000
        )
        for decided, submitted, latency_ms in rows
    )
    return tuple((label, counts[label]) for _, label in DECISION_TIME_BUCKETS)


def _ratings(
    starts: Sequence[datetime], department_id: int | None
) -> tuple[tuple[int, str, int], ...]:
    query = _of_department(
        sa.select(ServiceRating.stars, sa.func.count(ServiceRating.id)).join(
            Application, ServiceRating.application_id == Application.id
        ),
        department_id,
    )
    counts = dict(
        db.session.execute(
            query.where(_in_period(ServiceRating.created_at, starts)).group_by(
                ServiceRating.stars
            )
        ).all()
    )
    return tuple(
        (stars, label, counts.get(stars, 0)) for stars, label in RATING_LABELS.items()
    )
