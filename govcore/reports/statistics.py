"""The numbers of a period: applications by channel, how they were decided,
how fast, what waits for a person, and how people rated the service.

One function, several small aggregate queries; a department narrows every
figure to its own items. The console's dashboard shows today's; the
quarterly report uses the same figures over a quarter.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from govcore.applications.models import Application
from govcore.catalog.models import Item, ItemVersion
from govcore.db import db
from govcore.decisions.models import Decision, ReviewTask
from govcore.ratings.models import ServiceRating


@dataclass(frozen=True)
class Overview:
    submitted: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    auto_approved: int = 0
    auto_refused: int = 0
    to_people: int = 0  # decided by a person, or sent to one
    median_decision_ms: float | None = None
    open_reviews: int = 0
    overdue_reviews: int = 0
    ratings: int = 0
    rating_average: float | None = None

    @property
    def automatic_rate(self) -> float | None:
        """Share of the decided applications the rules decided alone."""
        decided = self.auto_approved + self.auto_refused + self.to_people
        if not decided:
            return None
        return (self.auto_approved + self.auto_refused) / decided


def overview(
    *, since: datetime, until: datetime, today: date, department_id: int | None = None
) -> Overview:
    def mine(query: sa.Select) -> sa.Select:
        if department_id is None:
            return query
        return (
            query.join(ItemVersion, Application.item_version_id == ItemVersion.id)
            .join(Item, ItemVersion.item_id == Item.id)
            .where(Item.department_id == department_id)
        )

    in_period = sa.and_(
        Application.submitted_at >= since, Application.submitted_at < until
    )
    by_channel = {
        str(channel): count
        for channel, count in db.session.execute(
            mine(sa.select(Application.channel, sa.func.count(Application.id)))
            .where(in_period)
            .group_by(Application.channel)
        )
    }
    decided = db.session.execute(
        mine(
            sa.select(Decision.outcome, Decision.automated, Decision.latency_ms).join(
                Application, Decision.application_id == Application.id
            )
        ).where(Decision.decided_at >= since, Decision.decided_at < until)
    ).all()
    auto = [d for d in decided if d.automated and d.outcome in ("approve", "refuse")]
    tasks = mine(
        sa.select(sa.func.count(ReviewTask.id)).join(
            Application, ReviewTask.application_id == Application.id
        )
    ).where(ReviewTask.status == "open")
    if department_id is not None:
        tasks = tasks.where(ReviewTask.department_id == department_id)
    rated = db.session.execute(
        mine(
            sa.select(
                sa.func.count(ServiceRating.id), sa.func.avg(ServiceRating.stars)
            ).join(Application, ServiceRating.application_id == Application.id)
        ).where(ServiceRating.created_at >= since, ServiceRating.created_at < until)
    ).one()
    latencies = [d.latency_ms for d in auto]
    return Overview(
        submitted=sum(by_channel.values()),
        by_channel=by_channel,
        auto_approved=sum(d.outcome == "approve" for d in auto),
        auto_refused=sum(d.outcome == "refuse" for d in auto),
        to_people=len(decided) - len(auto),
        median_decision_ms=statistics.median(latencies) if latencies else None,
        open_reviews=db.session.scalar(tasks) or 0,
        overdue_reviews=db.session.scalar(tasks.where(ReviewTask.due_on < today)) or 0,
        ratings=rated[0] or 0,
        rating_average=float(rated[1]) if rated[1] is not None else None,
    )
