"""How often each item is applied for: the kiosk shows the most used first."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from govcore.applications.models import Application
from govcore.catalog.models import Item, ItemVersion
from govcore.db import db


def usage_counts(*, since: datetime) -> dict[str, int]:
    """Applications per item code created since ``since`` (drafts included:
    a started application shows what people came for)."""
    rows = db.session.execute(
        sa.select(Item.code, sa.func.count(Application.id))
        .join(ItemVersion, ItemVersion.item_id == Item.id)
        .join(Application, Application.item_version_id == ItemVersion.id)
        .where(Application.created_at >= since)
        .group_by(Item.code)
    )
    return {code: count for code, count in rows}
