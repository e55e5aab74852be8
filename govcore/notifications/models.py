"""Delivery records: one row per message and channel, the inbox, openids.

A delivery moves ``pending → sending → sent``; a failed attempt goes to
``failed`` with a later ``next_attempt_at`` and is tried again, until it is
``dead`` (attempts used up, or a permanent failure). ``skipped`` means the
channel cannot reach this person (no mobile number on file, not a mini-program
user): nothing to retry and nothing for an operator to fix.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govcore.db import db, str_enum
from govcore.notifications.outbox import OutboxMessage


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker, gateway being called
    SENT = "sent"
    FAILED = "failed"  # will be tried again at next_attempt_at
    DEAD = "dead"  # given up: see last_error; `notifications retry-dead`
    SKIPPED = "skipped"  # the channel cannot reach this person


#: Statuses a worker may claim (a stale SENDING row is claimed after its lease).
RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
FINAL = (DeliveryStatus.SENT, DeliveryStatus.DEAD, DeliveryStatus.SKIPPED)


class NotificationDelivery(db.Model):
    """The delivery of one outbox message through one channel."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        sa.UniqueConstraint("message_id", "channel"),
        sa.Index("ix_notification_delivery_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outbox_message.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(sa.String(80))
    # A reason without personal data (an HTTP status, an errcode, a cause).
    last_error: Mapped[str] = mapped_column(sa.String(200), default="")
    provider_ref: Mapped[str | None] = mapped_column(sa.String(80))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    message: Mapped[OutboxMessage] = relationship()


class InboxItem(db.Model):
    """A message in a person's in-app inbox (GET /api/v1/notifications)."""

    __tablename__ = "inbox_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    # One inbox entry per message, even if its delivery is retried.
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outbox_message.id", ondelete="CASCADE"), unique=True
    )
    id_number: Mapped[str] = mapped_column(sa.String(18), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(40))
    body: Mapped[str] = mapped_column(sa.String(300))
    application_public_id: Mapped[str | None] = mapped_column(sa.String(32))
    offer_public_id: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class MiniProgramSubscriber(db.Model):
    """The mini-program openid of a person, recorded at mini-program login.

    Subscription messages go to the openid; whether the person accepted the
    template (wx.requestSubscribeMessage) is known only to the platform, which
    answers errcode 43101 otherwise.
    """

    __tablename__ = "miniprogram_subscriber"

    id_number: Mapped[str] = mapped_column(sa.String(18), primary_key=True)
    openid: Mapped[str] = mapped_column(sa.String(64), index=True)
    updated_at: Mapped[datetime]
