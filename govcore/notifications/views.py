"""What a channel is given: a message rendered from the current data.

The outbox row names the application or offer; the item name and the 办件编号
are read when the message is delivered, and the text rendered then.
"""

from __future__ import annotations

import sqlalchemy as sa

from govcore.db import db
from govcore.notifications.outbox import OutboxMessage
from govcore.notifications.ports import MessageView
from govcore.notifications.templates import render


def message_view(message: OutboxMessage) -> MessageView:
    """Render ``message`` for its recipient from the current data."""
    # Imported here: these packages enqueue messages themselves.
    from govcore.applications.models import Application

    application = (
        db.session.get(Application, message.application_id)
        if message.application_id is not None
        else None
    )
    offer_id = message.payload.get("offer")
    if application is not None:
        item_name = application.item_version.name
    else:
        item_name = _offer_item_name(offer_id, message.payload.get("item"))
    notice = render(
        message.kind,
        payload=message.payload,
        item_name=item_name,
        reference_no=application.reference_no if application else "",
    )
    assert message.recipient_id_number is not None  # no deliveries otherwise
    return MessageView(
        message_id=message.id,
        event_id=message.event_id,
        kind=message.kind,
        notice=notice,
        created_at=message.created_at,
        recipient_id_number=message.recipient_id_number,
        application_public_id=application.public_id if application else None,
        offer_public_id=str(offer_id) if offer_id else None,
    )


def _offer_item_name(offer_id: object, item_code: object) -> str:
    from govcore.catalog.models import Item, ItemVersion
    from govcore.decisions.models import ProactiveOffer

    offer = (
        db.session.scalar(
            sa.select(ProactiveOffer).where(ProactiveOffer.public_id == offer_id)
        )
        if offer_id
        else None
    )
    query = sa.select(ItemVersion.name).join(ItemVersion.item)
    if offer is not None:
        query = query.where(
            Item.code == offer.item_code, ItemVersion.version == offer.item_version
        )
    elif item_code:
        query = query.where(Item.code == item_code).order_by(ItemVersion.version.desc())
    else:
        return ""
    return db.session.scalar(query.limit(1)) or ""
