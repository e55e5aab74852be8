"""The in-app inbox: messages a person reads in the mini-program (消息中心).

:class:`InboxChannel` is always on. Its delivery writes an :class:`InboxItem`
in the dispatcher's transaction, so the item appears exactly when the delivery
is recorded as sent; an item already written for the message (a retry after a
crash) is reused, never duplicated.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa

from govcore.db import db
from govcore.errors import NotFoundError
from govcore.notifications.models import InboxItem
from govcore.notifications.ports import Channel, DeliveryResult, MessageView

#: Most items one listing returns.
MAX_LIST = 100


class InboxChannel(Channel):
    """Delivers a message by putting it in the person's inbox."""

    name = "inbox"

    def deliver(self, message: MessageView, *, now: datetime) -> DeliveryResult:
        """Write the inbox item (in the caller's transaction)."""
        existing = db.session.scalar(
            sa.select(InboxItem.public_id).where(
                InboxItem.message_id == message.message_id
            )
        )
        if existing:
            return DeliveryResult(provider_ref=existing)
        item = InboxItem(
            public_id=secrets.token_hex(16),
            message_id=message.message_id,
            id_number=message.recipient_id_number,
            kind=message.kind,
            title=message.notice.title[:40],
            body=message.notice.body[:300],
            application_public_id=message.application_public_id,
            offer_public_id=message.offer_public_id,
            created_at=message.created_at,
        )
        db.session.add(item)
        return DeliveryResult(provider_ref=item.public_id)


def list_inbox(id_number: str, *, limit: int = 50) -> list[InboxItem]:
    """A person's inbox, newest first.

    :param id_number: whose inbox.
    :param limit: at most this many items (capped at :data:`MAX_LIST`).
    """
    return list(
        db.session.scalars(
            sa.select(InboxItem)
            .where(InboxItem.id_number == id_number)
            .order_by(InboxItem.created_at.desc(), InboxItem.id.desc())
            .limit(max(1, min(limit, MAX_LIST)))
        )
    )


def count_unread(id_number: str) -> int:
    """How many items of a person's inbox are unread."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(InboxItem)
            .where(InboxItem.id_number == id_number, InboxItem.read_at.is_(None))
        )
        or 0
    )


def mark_read(item_id: str, id_number: str, *, now: datetime) -> InboxItem:
    """Mark one of a person's inbox items read (again: no change), and commit.

    :param item_id: the item's public id.
    :param id_number: the person; another person's item is not found.
    :raise NotFoundError: if the person has no such item.
    """
    item = db.session.scalar(
        sa.select(InboxItem).where(
            InboxItem.public_id == item_id, InboxItem.id_number == id_number
        )
    )
    if item is None:
        raise NotFoundError("没有这条消息（notification not found）")
    if item.read_at is None:
        item.read_at = now
        db.session.commit()
    return item
