"""The sandbox registry: synthetic records of every shared-data source."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from govcore.db import db


class SandboxRecord(db.Model):
    """What one source holds about one subject (a person or an organisation)."""

    __tablename__ = "sandbox_record"
    __table_args__ = (sa.UniqueConstraint("source", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(8))
    subject_id: Mapped[str] = mapped_column(sa.String(18), index=True)
    record_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
