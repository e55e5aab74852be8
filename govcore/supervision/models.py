"""Database models of post-approval checks of commitments (事后监管).

A :class:`SamplingRun` draws, for every approval made on a signed commitment
that no run has considered yet, one :class:`SupervisionCheck` row: the draw,
the rate applied and the risk flags behind it, selected or not, so anyone can
recompute the run from its seed. A selected check is a task of the item's
department with a due date; a false commitment found leaves a
:class:`DishonestyRecord`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govcore.applications.models import Application
from govcore.catalog.models import Department
from govcore.db import db


class SamplingRun(db.Model):
    """One drawing: its seed, who ran it, the policy and the counts."""

    __tablename__ = "sampling_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    seed: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(sa.String(60))  # system, cli, staff:<id>
    # The department whose approvals were considered; None: every department.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    policy: Mapped[dict[str, Any]]  # the rates in force (SamplingPolicy.as_json)
    considered: Mapped[int] = mapped_column(default=0)
    risk_flagged: Mapped[int] = mapped_column(default=0)
    selected: Mapped[int] = mapped_column(default=0)

    checks: Mapped[list[SupervisionCheck]] = relationship(
        back_populates="run", order_by="SupervisionCheck.id"
    )


class SupervisionCheck(db.Model):
    """One approval considered by a run; a task when selected."""

    __tablename__ = "supervision_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    # Each approval is considered once, whichever run gets to it first.
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), unique=True
    )
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("sampling_run.id"), index=True)
    item_code: Mapped[str] = mapped_column(sa.String(64))
    draw: Mapped[float] = mapped_column(sa.Float(precision=53))  # in [0, 1)
    rate: Mapped[float] = mapped_column(sa.Float(precision=53))
    risk_flags: Mapped[list[str]] = mapped_column(sa.JSON)
    selected: Mapped[bool]
    created_at: Mapped[datetime]
    # When selected: whose task it is, by when, and how it ended.
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("department.id"), index=True
    )
    approved_on: Mapped[date | None]
    due_on: Mapped[date | None]
    status: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    outcome_note: Mapped[str | None] = mapped_column(sa.String(500))
    decided_by: Mapped[str | None] = mapped_column(sa.String(60))
    decided_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship()
    run: Mapped[SamplingRun] = relationship(back_populates="checks")
    department: Mapped[Department | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class DishonestyRecord(db.Model):
    """A false commitment found by a check (承诺不实记录).

    ``subject_id`` is an ID number or a credit code: personal data, stored to
    be reported to the credit source and never shown unmasked.
    """

    __tablename__ = "dishonesty_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    subject_id: Mapped[str] = mapped_column(sa.String(18), index=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    check_id: Mapped[int] = mapped_column(
        sa.ForeignKey("supervision_check.id", ondelete="CASCADE"), unique=True
    )
    reason: Mapped[str] = mapped_column(sa.String(500))
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(60))

    application: Mapped[Application] = relationship()
