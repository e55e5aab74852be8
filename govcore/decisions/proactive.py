"""免申即享: finding people who qualify without applying, and granting them.

:func:`find_and_offer` walks the people a source holds (e.g. everyone with a
民政 record), evaluates the item's ``proactive`` condition and its checks, and
for each match either grants at once (``proactive_grant: auto``, only when the
checks approve on the data alone: an application is created, submitted and
decided by the system, and the person is notified) or records an offer the
person confirms with one tap (:func:`accept_offer`; offered unless a check
refuses, since what the form still asks is answered then). A person is never
offered or granted twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from govcore.applications.access import Caller
from govcore.applications.drafts import create_draft
from govcore.applications.models import Application, ChannelKind, Status
from govcore.applications.submission import submit
from govcore.catalog import get_item_version
from govcore.certificates.issuance import DocumentServices
from govcore.clock import local_date
from govcore.datahub import DataLookup, DataSource, SubjectDirectory
from govcore.db import db
from govcore.decisions.facts import person_snapshot
from govcore.decisions.models import ProactiveOffer
from govcore.errors import (
    ConflictError,
    GovCoreError,
    NotFoundError,
    ValidationError,
)
from govcore.notifications import enqueue
from govcore.rules.engine import compile_rules, evaluate, proactive_match, sources_of
from govcore.workdays import WorkCalendar


@dataclass
class OfferReport:
    examined: int = 0
    matched: int = 0
    offered: int = 0
    granted: int = 0
    skipped: int = 0  # already offered, granted or applied
    problems: list[str] = field(default_factory=list)


def find_and_offer(
    item_code: str,
    *,
    source: DataSource,
    directory: SubjectDirectory,
    calendar: WorkCalendar,
    documents: DocumentServices,
    now: datetime,
    mode: str | None = None,
    limit: int | None = None,
) -> OfferReport:
    """Offer (or grant) ``item_code`` to everyone who qualifies; commit each."""
    version = get_item_version(item_code, on=local_date(now))
    spec = version.spec
    rules = compile_rules(spec)
    if rules.proactive is None or spec.rules is None:
        raise ConflictError(
            f"“{spec.name}”没有免申即享条件（no proactive rule）", code="not_proactive"
        )
    mode = mode or spec.rules.proactive_grant
    trigger = sorted(name for _, name in sources_of([rules.proactive]))
    report = OfferReport()
    for id_number in directory.subjects(trigger[0], limit=limit):
        report.examined += 1
        snapshot = person_snapshot(
            rules, DataLookup(source, now=now), id_number, now=now
        )
        if not proactive_match(rules, snapshot):
            continue
        outcome = evaluate(rules, snapshot).outcome
        if not _qualifies(outcome, mode):
            continue
        report.matched += 1
        if _already(spec.code, id_number):
            report.skipped += 1
            continue
        offer = ProactiveOffer(
            public_id=secrets.token_hex(16),
            item_code=spec.code,
            item_version=version.version,
            id_number=id_number,
            status="offered",
            ready=outcome == "approve",
            created_at=now,
        )
        db.session.add(offer)
        db.session.commit()
        granted = mode == "auto" and _grant(
            offer, snapshot, source, calendar, documents, now, report
        )
        if granted:
            continue
        enqueue(
            "proactive_offer",
            application_id=None,
            payload={"offer": offer.public_id, "item": spec.code},
            now=now,
            event_id=f"proactive_offer:{offer.public_id}",
        )
        db.session.commit()
        report.offered += 1
    return report


def _already(item_code: str, id_number: str) -> bool:
    from govcore.catalog.models import Item, ItemVersion

    offered = db.session.scalar(
        sa.select(ProactiveOffer.id).where(
            ProactiveOffer.item_code == item_code, ProactiveOffer.id_number == id_number
        )
    )
    applied = db.session.scalar(
        sa.select(Application.id)
        .join(ItemVersion)
        .join(Item)
        .where(
            Item.code == item_code,
            Application.applicant_id_number == id_number,
            Application.status.not_in([Status.WITHDRAWN, Status.REFUSED]),
        )
        .limit(1)
    )
    return offered is not None or applied is not None


def _grant(
    offer: ProactiveOffer,
    snapshot: dict,
    source: DataSource,
    calendar: WorkCalendar,
    documents: DocumentServices,
    now: datetime,
    report: OfferReport,
) -> bool:
    """Apply for the person as the system; fall back to an offer if it cannot."""
    name = ((snapshot["person"].get("HK") or {}).get("data") or {}).get("name", "")
    caller = Caller(offer.id_number, name, ChannelKind.SYSTEM)
    try:
        application = create_draft(offer.item_code, caller, source=source, now=now)
        submit(
            application,
            caller,
            source=source,
            calendar=calendar,
            documents=documents,
            now=now,
        )
    except GovCoreError as exc:  # a field or material only the person can give
        db.session.rollback()
        report.problems.append(f"{offer.public_id}: {exc.code}")
        return False
    offer.status = "granted" if application.status is Status.APPROVED else "applied"
    offer.application_id = application.id
    offer.answered_at = now
    enqueue(
        "proactive_granted",
        application_id=application.id,
        payload={"offer": offer.public_id},
        now=now,
        event_id=f"proactive_granted:{offer.public_id}",
    )
    db.session.commit()
    report.granted += offer.status == "granted"
    return True


def _qualifies(outcome: str, mode: str) -> bool:
    """Granting needs an approval on the data alone (fail closed). An offer the
    person confirms needs only that nothing known refuses it: what the form
    still asks (a renewal's vaccination date, say) is answered when they accept,
    and the decision is made then."""
    return outcome == "approve" if mode == "auto" else outcome != "refuse"


def offers_for(id_number: str) -> list[ProactiveOffer]:
    return list(
        db.session.scalars(
            sa.select(ProactiveOffer)
            .where(ProactiveOffer.id_number == id_number)
            .order_by(ProactiveOffer.id.desc())
        )
    )


def accept_offer(
    offer_id: str,
    caller: Caller,
    *,
    source: DataSource,
    calendar: WorkCalendar,
    documents: DocumentServices,
    now: datetime,
) -> Application:
    """The person confirms an offer with one tap: apply, submit and decide."""
    offer = db.session.scalar(
        sa.select(ProactiveOffer).where(
            ProactiveOffer.public_id == offer_id,
            ProactiveOffer.id_number == caller.id_number,
        )
    )
    if offer is None:
        raise NotFoundError("没有这项服务推送（offer not found）")
    if offer.status != "offered":
        raise ConflictError(
            "该服务推送已处理（offer already answered）", code="offer_answered"
        )
    application = create_draft(offer.item_code, caller, source=source, now=now)
    try:
        submit(
            application,
            caller,
            source=source,
            calendar=calendar,
            documents=documents,
            now=now,
        )
    except ValidationError:
        db.session.rollback()  # the draft stays: the person completes it
    offer.status = "accepted"
    offer.application_id = application.id
    offer.answered_at = now
    db.session.commit()
    return application


def application_of(offer: ProactiveOffer) -> Application | None:
    return (
        db.session.get(Application, offer.application_id)
        if offer.application_id
        else None
    )
