"""The outbox: messages written in the same transaction as what they announce.

A message names its application and a template; the recipient's contact is
looked up when it is delivered, so no phone number or name is copied here.
Delivery workers (SMS, mini-program message, in-app) read due rows later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from govcore.db import db


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]]
    not_before: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


def enqueue(
    kind: str,
    *,
    application_id: int | None,
    payload: dict[str, Any],
    now: datetime,
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the current transaction."""
    message = OutboxMessage(
        kind=kind,
        application_id=application_id,
        payload=payload,
        not_before=not_before or now,
        created_at=now,
    )
    db.session.add(message)
    return message


def cancel_pending(application_id: int, kind: str, *, now: datetime) -> int:
    """Cancel the unsent messages of ``kind`` for an application; return how many."""
    return db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.application_id == application_id,
            OutboxMessage.kind == kind,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
    ).rowcount
