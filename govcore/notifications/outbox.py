"""The outbox: messages written in the same transaction as what they announce.

A message names its kind, its application (or proactive offer) and the person
to tell; the text is rendered and the contact (mobile number, openid) looked up
when it is delivered, so no phone number or name is copied here. Delivery
workers (:mod:`govcore.notifications.dispatcher`) read due rows later.

Every message has an ``event_id``: the business event it announces. Enqueueing
the same event twice keeps the first message, so a retried use case never
notifies twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from govcore.db import db, dialect_insert

EVENT_ID_LENGTH = 120


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(EVENT_ID_LENGTH), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    # Whom to tell (personal data: never logged). None: nobody to notify.
    recipient_id_number: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    payload: Mapped[dict[str, Any]]
    not_before: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime]
    # When the message was handed to its channels (one delivery row each);
    # the per-channel outcome is in NotificationDelivery.
    sent_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]


def enqueue(
    kind: str,
    *,
    application_id: int | None,
    payload: dict[str, Any],
    now: datetime,
    not_before: datetime | None = None,
    event_id: str | None = None,
    recipient_id_number: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the current transaction.

    The recipient is the person who applied (:attr:`Application.acting_id_number`:
    the agent when someone applied for another) or, for a proactive offer
    (``payload["offer"]`` without an application), the person offered.

    :param kind: the template, e.g. ``decision_approve``.
    :param application_id: the application the message is about, if any.
    :param payload: what the template needs besides the application; no
        personal data.
    :param now: the time of the change.
    :param not_before: do not deliver before this time (default ``now``).
    :param event_id: the business event, e.g. ``certificate_revoked:<no>``;
        a message with this id already in the outbox is returned unchanged
        instead of adding a second one. Default: a random id (no dedupe).
    :param recipient_id_number: whom to notify, when not the default above.
    :return: the new message, or the one already enqueued for ``event_id``.
    """
    event_id = event_id or f"{kind}:{uuid.uuid4().hex}"
    if len(event_id) > EVENT_ID_LENGTH:
        raise ValueError(f"event_id longer than {EVENT_ID_LENGTH} characters")
    values = {
        "event_id": event_id,
        "kind": kind,
        "application_id": application_id,
        "recipient_id_number": recipient_id_number
        or _recipient(application_id, payload),
        "payload": payload,
        "not_before": not_before or now,
        "created_at": now,
    }
    # INSERT … ON CONFLICT DO NOTHING: a concurrent transaction enqueueing the
    # same event makes this one wait and then insert nothing, instead of
    # failing the whole business transaction on the unique constraint.
    added = db.session.scalars(
        dialect_insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["event_id"])
        .returning(OutboxMessage)
    ).one_or_none()
    if added is not None:
        return added
    return db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.event_id == event_id)
    ).one()


def _recipient(application_id: int | None, payload: dict[str, Any]) -> str | None:
    # Imported here: the applications and decisions packages enqueue messages,
    # so importing their models at module level would be circular.
    from govcore.applications.models import Application
    from govcore.decisions.models import ProactiveOffer

    if application_id is not None:
        application = db.session.get(Application, application_id)
        return application.acting_id_number if application else None
    if payload.get("offer"):
        return db.session.scalar(
            sa.select(ProactiveOffer.id_number).where(
                ProactiveOffer.public_id == payload["offer"]
            )
        )
    return None


def cancel_pending(application_id: int, kind: str, *, now: datetime) -> int:
    """Cancel the unsent messages of ``kind`` for an application; return how many.

    A message already handed to its channels is no longer cancelled.
    """
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
