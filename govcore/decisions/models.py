"""Decisions (the automated or human verdict on an application) and review tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govcore.applications.models import Application
from govcore.db import db


class Decision(db.Model):
    """One verdict, with everything needed to explain and reproduce it."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    outcome: Mapped[str] = mapped_column(sa.String(16))  # approve/refuse/manual
    automated: Mapped[bool]
    decided_by: Mapped[str] = mapped_column(sa.String(60))  # system, staff:<id>
    item_version: Mapped[int]
    rule_set: Mapped[str] = mapped_column(sa.String(120))  # code@vN#digest
    rule_digest: Mapped[str] = mapped_column(sa.String(64))
    snapshot: Mapped[dict[str, Any]]  # the facts the rules saw
    snapshot_hash: Mapped[str] = mapped_column(sa.String(64))
    checks: Mapped[list[Any]] = mapped_column(sa.JSON)  # every check's result
    outputs: Mapped[dict[str, Any]]
    reasons: Mapped[list[Any]] = mapped_column(sa.JSON)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    latency_ms: Mapped[float]
    decided_at: Mapped[datetime]

    application: Mapped[Application] = relationship()


class ReviewTask(db.Model):
    """A person must decide: a manual review, or an applicant's request for one."""

    __tablename__ = "review_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int] = mapped_column(
        sa.ForeignKey("department.id"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(24))  # manual_review, applicant_request
    reason: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)  # open, closed
    created_at: Mapped[datetime]
    due_on: Mapped[date]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(sa.String(60))
    result: Mapped[str | None] = mapped_column(sa.String(16))
    # The approver of the department the task is assigned to (指派), if any.
    assigned_to: Mapped[int | None] = mapped_column(
        sa.ForeignKey("staff_account.id"), index=True
    )
    assigned_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship()


class ProactiveOffer(db.Model):
    """免申即享: the system found someone eligible who has not applied."""

    __tablename__ = "proactive_offer"
    __table_args__ = (sa.UniqueConstraint("item_code", "id_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    item_code: Mapped[str] = mapped_column(sa.String(64))
    item_version: Mapped[int]
    id_number: Mapped[str] = mapped_column(sa.String(18), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))  # offered, accepted, granted
    # The data alone approved it: confirming decides on the spot. Otherwise the
    # form still asks something (a renewal's vaccination date) after the tap.
    ready: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("application.id", ondelete="SET NULL")
    )
