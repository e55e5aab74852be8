"""Risk flags of an approval made on a commitment, from what the application holds.

A flagged approval is checked at the item's risk rate instead of its base rate
(:mod:`govcore.supervision.sampling`). The flags are recorded with each draw,
so a run can be recomputed even after the data behind them has changed.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from govcore.applications.models import Application, Status
from govcore.db import db
from govcore.decisions.models import Decision
from govcore.supervision.models import DishonestyRecord

RISK_LABELS: dict[str, str] = {
    "agent": "代办申请",
    "tolerance": "容缺受理",
    "replaces_many": "承诺代替2项及以上材料",
    "previous_false_commitment": "曾有承诺不实记录",
    "new_organisation": "成立不满6个月的组织",
}
NEW_ORGANISATION_MONTHS = 6


def risk_flags(application: Application, *, approved_on: date) -> list[str]:
    """The risk flags of ``application``, in the order of :data:`RISK_LABELS`."""
    snapshots = _snapshots(application)
    found = {
        "agent": application.agent_id_number is not None,
        "tolerance": any(
            c.to_status is Status.AWAITING_MATERIALS for c in application.history
        ),
        "replaces_many": len(replaced_materials(application)) >= 2,
        "previous_false_commitment": _previous_false_commitment(application, snapshots),
        "new_organisation": _new_organisation(snapshots, approved_on),
    }
    return [flag for flag in RISK_LABELS if found[flag]]


def replaced_materials(application: Application) -> list[str]:
    """The material codes the application's signed commitments stand in for."""
    codes: list[str] = []
    for commitment in application.commitments:
        codes += [c for c in commitment.replaces if c not in codes]
    return codes


def subject_of(application: Application) -> str:
    """Who committed: the organisation when one applied, else the applicant."""
    return application.org_credit_code or application.applicant_id_number


def _snapshots(application: Application) -> list[dict[str, Any]]:
    return list(
        db.session.scalars(
            sa.select(Decision.snapshot).where(
                Decision.application_id == application.id
            )
        )
    )


def _previous_false_commitment(
    application: Application, snapshots: list[dict[str, Any]]
) -> bool:
    subjects = {application.applicant_id_number, subject_of(application)}
    recorded = db.session.scalar(
        sa.select(sa.func.count(DishonestyRecord.id)).where(
            DishonestyRecord.subject_id.in_(subjects),
            DishonestyRecord.application_id != application.id,
        )
    )
    return bool(recorded) or any(
        _credit_data(snapshot, kind).get("false_commitment_record")
        for snapshot in snapshots
        for kind in ("person", "organisation")
    )


def _credit_data(snapshot: dict[str, Any], kind: str) -> dict[str, Any]:
    facts = (snapshot.get(kind) or {}).get("CR") or {}
    return (facts.get("data") or {}) if facts.get("status") == "ok" else {}


def _new_organisation(snapshots: list[dict[str, Any]], approved_on: date) -> bool:
    limit = _months_before(approved_on, NEW_ORGANISATION_MONTHS)
    for snapshot in snapshots:
        facts = (snapshot.get("organisation") or {}).get("MR") or {}
        entity = (facts.get("data") or {}).get("entity") or {}
        try:
            established = date.fromisoformat(str(entity.get("established_on")))
        except ValueError:
            continue
        if established > limit:
            return True
    return False


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]  # 31 Aug less 6 months: 28 Feb
    return date(year, month + 1, min(day.day, last))


def approval_time(application: Application) -> datetime:
    """When the application was (last) approved."""
    approvals = [c.at for c in application.history if c.to_status is Status.APPROVED]
    return approvals[-1] if approvals else application.updated_at
