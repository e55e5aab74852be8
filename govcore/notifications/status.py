"""For operators: delivery counts, dead letters and sending them again.

Nothing here returns personal data: a dead letter is shown by its delivery id,
channel, kind, event id (which names an application or offer by its random
public id), attempts and the stored reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from govcore.db import db
from govcore.notifications.models import DeliveryStatus, NotificationDelivery
from govcore.notifications.outbox import OutboxMessage

D = NotificationDelivery


@dataclass(frozen=True)
class DeadLetter:
    delivery_id: int
    channel: str
    kind: str
    event_id: str
    attempts: int
    last_error: str
    updated_at: datetime


def delivery_counts() -> dict[tuple[str, str], int]:
    """How many deliveries each (channel, status) holds."""
    rows = db.session.execute(
        sa.select(D.channel, D.status, sa.func.count()).group_by(D.channel, D.status)
    )
    return {(channel, DeliveryStatus(status).value): n for channel, status, n in rows}


def count_waiting(*, now: datetime) -> tuple[int, int]:
    """Messages not yet handed to channels: (due now, scheduled for later)."""
    base = sa.select(sa.func.count()).where(
        OutboxMessage.sent_at.is_(None), OutboxMessage.cancelled_at.is_(None)
    )
    due = db.session.scalar(base.where(OutboxMessage.not_before <= now)) or 0
    later = db.session.scalar(base.where(OutboxMessage.not_before > now)) or 0
    return due, later


def list_dead(*, limit: int = 100) -> list[DeadLetter]:
    """The dead deliveries, most recent first."""
    rows = db.session.execute(
        sa.select(D, OutboxMessage.kind, OutboxMessage.event_id)
        .join(OutboxMessage, D.message_id == OutboxMessage.id)
        .where(D.status == DeliveryStatus.DEAD)
        .order_by(D.updated_at.desc(), D.id.desc())
        .limit(limit)
    )
    return [
        DeadLetter(
            d.id, d.channel, kind, event_id, d.attempts, d.last_error, d.updated_at
        )
        for d, kind, event_id in rows
    ]


def retry_dead(
    *,
    now: datetime,
    channel: str | None = None,
    delivery_ids: Iterable[int] | None = None,
) -> int:
    """Make dead deliveries pending again with fresh attempts; commit.

    :param now: when they become due.
    :param channel: only this channel's dead letters.
    :param delivery_ids: only these deliveries (dead ones among them).
    :return: how many were revived.
    """
    query = sa.update(D).where(D.status == DeliveryStatus.DEAD)
    if channel is not None:
        query = query.where(D.channel == channel)
    if delivery_ids is not None:
        query = query.where(D.id.in_(list(delivery_ids)))
    count = db.session.execute(
        query.values(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            claimed_at=None,
            claimed_by=None,
            updated_at=now,
        ).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count
