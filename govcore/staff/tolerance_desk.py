"""The 容缺 work queue: applications accepted with a material owed.

Three lists for a staff member: those still waiting for the owed materials
(with the deadline, the working days left and the reminders sent so far),
those whose deadline lapsed and what the lapse did, and those resumed because
the materials were supplied; the last two over :data:`WINDOW`. Departmental
staff see their own department's applications; bureau-wide roles see all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from govcore.applications.materials import material_states
from govcore.applications.models import (
    STATUS_LABELS,
    ApplicantKind,
    Application,
    Status,
    StatusChange,
)
from govcore.applications.submission import REMINDER
from govcore.catalog.models import Item, ItemVersion
from govcore.clock import local_date
from govcore.db import db
from govcore.notifications import DeliveryStatus, NotificationDelivery, OutboxMessage
from govcore.privacy import mask_id_number, mask_name
from govcore.staff.models import StaffAccount
from govcore.staff.roles import require
from govcore.workdays import WorkCalendar

#: How far back the lapsed and resumed lists reach.
WINDOW = timedelta(days=90)
#: Due within this many working days: highlighted as overdue soon.
SOON = 1


@dataclass(frozen=True)
class Reminders:
    """The 补交材料提醒 of one application, from the outbox."""

    sent: int  # handed to the channels
    delivered: int  # of those, delivered through at least one channel
    last_sent_at: datetime | None
    next_at: datetime | None  # the next one scheduled, if any


@dataclass(frozen=True)
class Waiting:
    """An application still owing materials."""

    application: Application
    applicant: str  # masked
    owed: list[str]  # the owed materials' names
    due_on: date
    working_days_left: int
    past_due: bool  # the deadline passed; the sweep has not run yet
    due_soon: bool
    reminders: Reminders
    status: str  # 容缺受理，待补齐材料


@dataclass(frozen=True)
class Settled:
    """An application that left the queue: lapsed, or resumed."""

    application: Application
    applicant: str  # masked
    change: StatusChange  # the move out of awaiting_materials, with its reason
    outcome: str  # what it became, e.g. 人工审核中
    current: str  # its status now


def waiting(
    account: StaffAccount, *, now: datetime, calendar: WorkCalendar
) -> list[Waiting]:
    """The applications awaiting materials within reach, the soonest due first."""
    require(account.roles, "tolerance.read")
    found = list(
        db.session.scalars(
            _in_reach(sa.select(Application), account)
            .where(Application.status == Status.AWAITING_MATERIALS)
            .order_by(Application.materials_due_on, Application.id)
        )
    )
    today = local_date(now)
    reminders = _reminders([a.id for a in found])
    rows = []
    for application in found:
        due = application.materials_due_on or today
        left = calendar.working_days_between(today, due)
        rows.append(
            Waiting(
                application=application,
                applicant=applicant_label(application),
                owed=[
                    s.material.name
                    for s in material_states(application)
                    if s.state == "tolerated"
                ],
                due_on=due,
                working_days_left=left,
                past_due=due < today,
                due_soon=due >= today and left <= SOON,
                reminders=reminders.get(application.id, Reminders(0, 0, None, None)),
                status=STATUS_LABELS[application.status],
            )
        )
    return rows


def lapsed(account: StaffAccount, *, now: datetime) -> list[Settled]:
    """Applications whose deadline lapsed within :data:`WINDOW`, newest first,
    with what the lapse did (the item's outcome and the recorded reason)."""
    require(account.roles, "tolerance.read")
    return _settled(account, now, StatusChange.to_status != Status.SUBMITTED)


def resumed(account: StaffAccount, *, now: datetime) -> list[Settled]:
    """Applications whose owed materials were supplied within :data:`WINDOW`."""
    require(account.roles, "tolerance.read")
    return _settled(account, now, StatusChange.to_status == Status.SUBMITTED)


def applicant_label(application: Application) -> str:
    """Who applied, masked: an organisation by its name, a person by
    their masked name and ID number."""
    person = (
        f"{mask_name(application.applicant_name)}"
        f"（{mask_id_number(application.applicant_id_number)}）"
    )
    if application.applicant_kind is ApplicantKind.ORGANISATION:
        return f"{application.org_name or ''} · 法定代表人 {person}"
    return person


def _settled(
    account: StaffAccount, now: datetime, outcome: sa.ColumnElement[bool]
) -> list[Settled]:
    query = (
        sa.select(StatusChange)
        .join(Application, StatusChange.application_id == Application.id)
        .where(
            StatusChange.from_status == Status.AWAITING_MATERIALS,
            StatusChange.at >= now - WINDOW,
            outcome,
        )
        .order_by(StatusChange.at.desc(), StatusChange.id.desc())
    )
    # Only the sweep moves an application on when its deadline lapses; an
    # applicant who withdraws meanwhile is neither lapsed nor resumed.
    query = query.where(
        sa.or_(
            StatusChange.to_status == Status.SUBMITTED, StatusChange.actor == "system"
        )
    )
    return [
        Settled(
            application=change.application,
            applicant=applicant_label(change.application),
            change=change,
            outcome=STATUS_LABELS[change.to_status],
            current=STATUS_LABELS[change.application.status],
        )
        for change in db.session.scalars(_in_reach(query, account))
    ]


def _in_reach(query: sa.Select, account: StaffAccount) -> sa.Select:
    """Restrict a query that selects from applications to the account's reach."""
    if account.department_id is None:
        return query
    return (
        query.join(ItemVersion, Application.item_version_id == ItemVersion.id)
        .join(Item, ItemVersion.item_id == Item.id)
        .where(Item.department_id == account.department_id)
    )


def _reminders(application_ids: Iterable[int]) -> dict[int, Reminders]:
    ids = list(application_ids)
    if not ids:
        return {}
    messages = list(
        db.session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.kind == REMINDER,
                OutboxMessage.application_id.in_(ids),
            )
        )
    )
    delivered = set(
        db.session.scalars(
            sa.select(NotificationDelivery.message_id).where(
                NotificationDelivery.message_id.in_([m.id for m in messages]),
                NotificationDelivery.status == DeliveryStatus.SENT,
            )
        )
    )
    by_application: dict[int, list[OutboxMessage]] = defaultdict(list)
    for message in messages:
        by_application[message.application_id or 0].append(message)
    return {
        application_id: _summary(found, delivered)
        for application_id, found in by_application.items()
    }


def _summary(messages: list[OutboxMessage], delivered: set[int]) -> Reminders:
    sent = [m for m in messages if m.sent_at is not None]
    scheduled = [
        m.not_before for m in messages if m.sent_at is None and m.cancelled_at is None
    ]
    return Reminders(
        sent=len(sent),
        delivered=sum(m.id in delivered for m in sent),
        last_sent_at=max((m.sent_at for m in sent if m.sent_at), default=None),
        next_at=min(scheduled, default=None),
    )
