"""A month of history for the standalone demo (近30天), made through the use cases.

On a new instance the console would otherwise open on empty charts, reports
and queues. :func:`seed_history` replays a plausible district month, each
step at its own past moment: residents and shops apply on the phone, at the
kiosk ``LH-DEMO-001`` and at the counter (drafts, form filling, commitments,
uploads, submission; the rules decide); 区民政局's approver reviews the cases
left to a person days later; 容缺 materials come in, or lapse in the nightly
sweep; people rate the service, ask for a data correction or for a person to
review a refusal; the supervisor samples and checks approvals made on a
commitment; notifications are delivered to the inboxes as the day goes. So
decisions, documents, audit events and notifications all agree. Who applies
for what is drawn in :mod:`webapp.demo_history_plan`, from a fixed seed.

Known seams: the demo staff accounts, the catalogue and the sandbox records
are dated when the instance is made, after the history they appear in; their
audit events come first in the chain. No staff member of another department
works in the demo, so those departments' cases stay open (their dates are
drawn so that few are overdue). A lapsed 容缺 application waits with a person
without a review task, as the sweep leaves it.
"""

from __future__ import annotations

import random
import time as timer
from collections import Counter
from datetime import datetime

import sqlalchemy as sa
from flask import Flask

from govcore import applications as apps
from govcore import decisions, ratings
from govcore.applications import Application, ChannelKind, Status
from govcore.clock import local_date
from govcore.datahub import SubjectDirectory
from govcore.db import db
from govcore.staff import StaffAccount
from webapp.demo_history_cast import DAYS
from webapp.demo_history_month import Month, Services
from webapp.demo_history_plan import Planner
from webapp.demo_staff import create_demo_accounts

SEED = 20261101


def seed_history(app: Flask, *, now: datetime, seed: int = SEED) -> list[str]:
    """Replay a month of applications before ``now`` on an instance without
    any; return lines to print (the demo accounts made on the way, counts).

    Only where ``DEMO_HISTORY`` is on (the standalone demo).
    """
    if not app.config.get("DEMO_HISTORY"):
        return []
    if db.session.scalar(sa.select(sa.func.count(Application.id))):
        return []
    source = app.extensions["miaopi.datasource"]
    if app.extensions["miaopi.documents"] is None or not isinstance(
        source, SubjectDirectory
    ):
        return ["demo history: skipped (no signing keys or no sandbox directory)"]
    # The history's operator, approver and supervisor are the demo accounts:
    # made here, before it, their credentials printed with its summary (the
    # run command's own call then finds them made).
    lines = create_demo_accounts()
    accounts = {
        a.username: a
        for a in db.session.scalars(
            sa.select(StaffAccount).where(StaffAccount.username.like("demo.%"))
        )
    }
    if not {"demo.operator", "demo.approver", "demo.supervisor"} <= set(accounts):
        return lines + ["demo history: skipped (the demo staff accounts are missing)"]
    started = timer.perf_counter()
    services = Services(
        source=source,
        calendar=app.extensions["miaopi.calendar"],
        documents=app.extensions["miaopi.documents"],
        store=app.extensions["miaopi.filestore"],
        limits=apps.UploadLimits.from_config(app.config),
        credit=app.extensions["miaopi.credit_register"],
    )
    rng = random.Random(seed)
    approver = accounts["demo.approver"]
    visits = Planner(
        source,
        source,
        services.calendar,
        now=now,
        rng=rng,
        reviewing=approver.department.code if approver.department else None,
    ).plan()
    month = Month(services, accounts, now=now, rng=rng)
    month.run(visits)
    seconds = timer.perf_counter() - started
    return lines + [summary(now, sum(month.problems.values()), seconds)]


def summary(now: datetime, problems: int, seconds: float) -> str:
    """One line of counts (no personal data)."""
    statuses = _counts(Application.status)
    channels = _counts(Application.channel)
    rated = db.session.scalar(sa.select(sa.func.count(ratings.ServiceRating.id)))
    open_tasks = decisions.open_tasks()
    overdue = sum(t.due_on < local_date(now) for t in open_tasks)
    failed = f"; {problems} left as drafts" if problems else ""
    return (
        f"demo history: {statuses.total()} applications in {DAYS} days "
        f"(mobile {channels[ChannelKind.MOBILE]}, kiosk {channels[ChannelKind.KIOSK]}, "
        f"counter {channels[ChannelKind.COUNTER]}): "
        f"{statuses[Status.APPROVED]} approved, {statuses[Status.REFUSED]} refused, "
        f"{statuses[Status.MANUAL_REVIEW]} with a person ({len(open_tasks)} open "
        f"tasks, {overdue} overdue), {statuses[Status.AWAITING_MATERIALS]} "
        f"awaiting materials; {rated} ratings{failed} ({seconds:.1f} s)"
    )


def _counts(column: sa.ColumnElement) -> Counter:
    rows = db.session.execute(sa.select(column, sa.func.count()).group_by(column))
    return Counter({key: number for key, number in rows})
