"""Ratings (好差评) as stored: stars and the reasons ticked, nothing typed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from govcore.db import db


class ServiceRating(db.Model):
    __tablename__ = "service_rating"
    __table_args__ = (sa.CheckConstraint("stars BETWEEN 1 AND 5", name="stars_1_5"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    stars: Mapped[int]
    reasons: Mapped[list[str]] = mapped_column(sa.JSON)
    channel: Mapped[str] = mapped_column(sa.String(16))
    terminal_id: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime]
