"""What a supervisor sees and concludes of the checks (事后监管).

A supervisor works on the checks of their own department only: another
department's check is answered as not found, so its existence is not revealed.
An auditor reads every department's checks and concludes none.

A false commitment is concluded in one transaction: the application's
certificates are revoked (and with them the application), the applicant is
told, a :class:`DishonestyRecord` is written and the credit source is told
through its :class:`~govcore.datahub.ports.CreditRegister`; if any of it
fails, none of it happens.
"""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa

from govcore import audit
from govcore.applications.models import Application
from govcore.certificates import verification
from govcore.datahub.ports import CreditRegister
from govcore.db import db
from govcore.errors import ConflictError, NotFoundError, ValidationError
from govcore.notifications import enqueue
from govcore.staff.models import StaffAccount
from govcore.staff.roles import require
from govcore.supervision import sampling
from govcore.supervision.models import (
    DishonestyRecord,
    SamplingRun,
    SupervisionCheck,
)
from govcore.supervision.risks import subject_of
from govcore.workdays import WorkCalendar

TASK_STATUSES = ("open", "closed")
OUTCOMES = {"verified": "核查属实", "false_commitment": "承诺不实"}


def tasks(
    account: StaffAccount, *, status: str = "open", limit: int = 100
) -> list[SupervisionCheck]:
    """The selected checks ``account`` may read: open ones soonest due first,
    closed ones latest first."""
    require(account.roles, "supervision.read")
    if status not in TASK_STATUSES:
        raise ValidationError(
            f"status 须为 {' 或 '.join(TASK_STATUSES)}", field="status"
        )
    query = _scoped(account)
    if status == "open":
        query = query.where(SupervisionCheck.status == "open").order_by(
            SupervisionCheck.due_on, SupervisionCheck.id
        )
    else:
        query = query.where(SupervisionCheck.status.in_(OUTCOMES)).order_by(
            SupervisionCheck.decided_at.desc(), SupervisionCheck.id.desc()
        )
    return list(db.session.scalars(query.limit(limit)))


def get_check(account: StaffAccount, check_id: str) -> SupervisionCheck:
    """:raise NotFoundError: if there is no such task within the account's reach."""
    require(account.roles, "supervision.read")
    check = db.session.scalar(
        _scoped(account).where(SupervisionCheck.public_id == check_id)
    )
    if check is None:
        raise NotFoundError("核查任务不存在（check not found）")
    return check


def get_run(account: StaffAccount, run_id: str) -> SamplingRun:
    """A run ``account`` made or may read (their department's, or all).

    :raise NotFoundError: for another department's run or an unknown id.
    """
    require(account.roles, "supervision.read")
    query = sa.select(SamplingRun).where(SamplingRun.public_id == run_id)
    if account.department_id is not None:
        query = query.where(SamplingRun.department_id == account.department_id)
    run = db.session.scalar(query)
    if run is None:
        raise NotFoundError("抽取批次不存在（run not found）")
    return run


def run_sampling(
    account: StaffAccount,
    *,
    now: datetime,
    calendar: WorkCalendar,
    policy: sampling.SamplingPolicy | None = None,
) -> sampling.SamplingReport:
    """Draw now among the approvals of the account's department; commits."""
    require(account.roles, "supervision.decide")
    return sampling.sample(
        now=now,
        actor=f"staff:{account.id}",
        calendar=calendar,
        policy=policy,
        department_id=account.department_id,
    )


def conclude(
    account: StaffAccount,
    check_id: str,
    *,
    outcome: str,
    note: str,
    now: datetime,
    credit: CreditRegister,
) -> SupervisionCheck:
    """Close an open check as ``verified`` or ``false_commitment``; commits.

    :param note: what the check found (2-500 characters); for a false
        commitment it is the revocation's reason and the credit entry's.
    :param credit: where a false commitment is reported.
    :raise ValidationError: for another outcome or a missing note.
    :raise ConflictError: if the check is already closed.
    :raise NotFoundError: for a check outside the account's department.
    """
    require(account.roles, "supervision.decide")
    if outcome not in OUTCOMES:
        raise ValidationError("请选择核查结论", field="outcome")
    note = note.strip()
    if not 2 <= len(note) <= 500:
        raise ValidationError("请写明核查情况（2-500字）", field="note")
    actor = f"staff:{account.id}"
    try:
        check = _locked(account, check_id)
        check.status, check.outcome_note = outcome, note
        check.decided_by, check.decided_at = actor, now
        if outcome == "false_commitment":
            _sanction(check, actor=actor, note=note, now=now, credit=credit)
        audit.record_event(
            "supervision_concluded",
            actor=actor,
            at=now,
            target=f"application:{check.application.public_id}",
            details={"check": check.public_id, "outcome": outcome},
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return check


def _locked(account: StaffAccount, check_id: str) -> SupervisionCheck:
    # Locked, so two supervisors concluding at once cannot both close it.
    check = db.session.scalar(
        _scoped(account).where(SupervisionCheck.public_id == check_id).with_for_update()
    )
    if check is None:
        raise NotFoundError("核查任务不存在（check not found）")
    if not check.is_open:
        raise ConflictError("该核查任务已办结（check closed）", code="check_closed")
    return check


def _sanction(
    check: SupervisionCheck,
    *,
    actor: str,
    note: str,
    now: datetime,
    credit: CreditRegister,
) -> None:
    """Revoke, tell the applicant, and record the dishonesty (no commit)."""
    application = check.application
    reason = f"告知承诺不实（事后核查）：{note}"[:300]
    numbers = [
        verification.revoke_without_commit(
            document, actor=actor, reason=reason, now=now, notify=False
        ).number
        for document in verification.documents_of(application.id)
        if document.kind == "certificate" and document.status != "revoked"
    ]
    # An approval without a certificate of its own is revoked directly.
    verification.revoke_approval(application, actor=actor, reason=reason, now=now)
    _notify(application, check, numbers, now)
    subject = subject_of(application)
    db.session.add(
        DishonestyRecord(
            public_id=secrets.token_hex(16),
            subject_id=subject,
            application_id=application.id,
            check_id=check.id,
            reason=note,
            recorded_at=now,
            recorded_by=actor,
        )
    )
    credit.record_false_commitment(
        subject, application_ref=application.reference_no, reason=note, now=now
    )


def _notify(
    application: Application,
    check: SupervisionCheck,
    numbers: list[str],
    now: datetime,
) -> None:
    # The applicant (the holder, whose credit is concerned) is told, also
    # when an agent applied for them.
    enqueue(
        "commitment_false",
        application_id=application.id,
        payload={"check": check.public_id, "number": ", ".join(numbers)},
        now=now,
        event_id=f"commitment_false:{check.public_id}",
        recipient_id_number=application.applicant_id_number,
    )


def _scoped(account: StaffAccount) -> sa.Select:
    query = sa.select(SupervisionCheck).where(SupervisionCheck.selected.is_(True))
    if account.department_id is not None:
        query = query.where(SupervisionCheck.department_id == account.department_id)
    return query
