"""数据纠错: the applicant says a value from shared data is wrong.

The request goes to the department that owns the source; the application
keeps the authoritative value meanwhile (the rules will use it, or a person).
A request moves ``open → forwarded → resolved | rejected``: staff of the
item's department forward it to the source's owner (:func:`forward`) and relay
that department's answer (:func:`answer`), which the applicant is told of.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa

from govcore import audit
from govcore.applications.access import Caller, actor_label
from govcore.applications.models import Application, CorrectionRequest
from govcore.catalog.models import Item, ItemVersion
from govcore.datahub import SOURCES
from govcore.db import db
from govcore.errors import ConflictError, ValidationError
from govcore.notifications import enqueue

ANSWERED = "correction_answered"


class CorrectionStatus(enum.StrEnum):
    OPEN = "open"  # filed by the applicant
    FORWARDED = "forwarded"  # sent on to the department owning the source
    RESOLVED = "resolved"  # that department corrected its record
    REJECTED = "rejected"  # it found its record right


CORRECTION_LABELS: dict[str, str] = {
    CorrectionStatus.OPEN: "待转交",
    CorrectionStatus.FORWARDED: "已转交核实",
    CorrectionStatus.RESOLVED: "已更正",
    CorrectionStatus.REJECTED: "不予更正",
}


def request_correction(
    application: Application,
    caller: Caller,
    *,
    field_key: str,
    claimed_value: str,
    reason: str,
    now: datetime,
) -> CorrectionRequest:
    """File a correction request for a prefilled value, and commit.

    :raise ValidationError: if the field was not prefilled from shared data, or
        the claimed value or reason is empty or too long.
    """
    stored = application.value_of(field_key)
    if stored is None or stored.source_path is None or stored.fetched_at is None:
        raise ValidationError(
            "只能对来自共享数据的信息申请纠错（field was not prefilled）",
            field="field",
            code="not_prefilled",
        )
    claimed_value, reason = claimed_value.strip(), reason.strip()
    if not 1 <= len(claimed_value) <= 200:
        raise ValidationError(
            "请填写正确的值（1-200字）", field="claimed_value", code="invalid"
        )
    if not 1 <= len(reason) <= 500:
        raise ValidationError(
            "请说明纠错理由（1-500字）", field="reason", code="invalid"
        )
    request = CorrectionRequest(
        public_id=secrets.token_hex(16),
        application_id=application.id,
        field_key=field_key,
        source_path=stored.source_path,
        record_id=stored.record_id,
        claimed_value=claimed_value,
        reason=reason,
        created_at=now,
    )
    db.session.add(request)
    audit.record_event(
        "correction_requested",
        actor=actor_label(application, caller),
        at=now,
        target=f"application:{application.public_id}",
        details={"field": field_key, "source": stored.source_path},
    )
    db.session.commit()
    return request


def corrections_of(application: Application) -> list[CorrectionRequest]:
    return list(
        db.session.scalars(
            db.select(CorrectionRequest)
            .where(CorrectionRequest.application_id == application.id)
            .order_by(CorrectionRequest.id)
        )
    )


def forward(request: CorrectionRequest, *, actor: str, now: datetime) -> None:
    """Send an open request on to the department owning its source; commit.

    :param actor: who forwards it, e.g. ``staff:7``.
    :raise ConflictError: ``not_open`` if it was already forwarded or answered.
    """
    if request.status != CorrectionStatus.OPEN:
        raise ConflictError(
            f"该纠错申请{CORRECTION_LABELS[request.status]}，不能再转交"
            "（request is not open）",
            code="not_open",
        )
    request.status = CorrectionStatus.FORWARDED
    request.forwarded_to = source_owner(request.source_path)
    request.forwarded_at, request.forwarded_by = now, actor
    audit.record_event(
        "correction_forwarded",
        actor=actor,
        at=now,
        target=f"application:{request.application.public_id}",
        details={"correction": request.public_id, "source": request.source_path},
    )
    db.session.commit()


def answer(
    request: CorrectionRequest,
    *,
    actor: str,
    resolved: bool,
    answer: str,
    now: datetime,
) -> None:
    """Record the source department's answer, tell the applicant; commit.

    :param resolved: whether the department corrected its record.
    :param answer: what it found, as the applicant will read it.
    :raise ConflictError: ``not_forwarded`` if the request was not forwarded
        yet, ``already_answered`` if it was answered before.
    :raise ValidationError: if the answer is empty or too long.
    """
    if request.status == CorrectionStatus.OPEN:
        raise ConflictError(
            "请先将纠错申请转交数据来源部门核实（request not forwarded）",
            code="not_forwarded",
        )
    if request.status != CorrectionStatus.FORWARDED:
        raise ConflictError(
            "该纠错申请已答复，不能重复答复（already answered）",
            code="already_answered",
        )
    answer = answer.strip()
    if not 1 <= len(answer) <= 500:
        raise ValidationError(
            "请填写核实结果（1-500字，将告知申请人）", field="answer", code="invalid"
        )
    outcome = CorrectionStatus.RESOLVED if resolved else CorrectionStatus.REJECTED
    request.status, request.answer = outcome, answer
    request.answered_at, request.answered_by = now, actor
    enqueue(
        ANSWERED,
        application_id=request.application_id,
        payload={"outcome": outcome.value},
        now=now,
        event_id=f"{ANSWERED}:{request.public_id}",
    )
    audit.record_event(
        "correction_answered",
        actor=actor,
        at=now,
        target=f"application:{request.application.public_id}",
        details={"correction": request.public_id, "outcome": outcome.value},
    )
    db.session.commit()


def source_owner(source_path: str) -> str:
    """The department owning a source path's data (``SI.card.phone`` → 人社)."""
    code = source_path.partition(".")[0]
    return SOURCES.get(code, code)


def staff_corrections(
    *, department_id: int | None, status: str | None = None, limit: int = 200
) -> list[CorrectionRequest]:
    """Correction requests on applications of a department's items (of every
    department for ``None``), the oldest open first, then the newest.

    :param status: only requests in this status (a :class:`CorrectionStatus`).
    """
    query = in_department(sa.select(CorrectionRequest), department_id)
    if status is not None:
        query = query.where(CorrectionRequest.status == status)
    waiting = CorrectionRequest.status.in_(
        [CorrectionStatus.OPEN, CorrectionStatus.FORWARDED]
    )
    order = (
        sa.case((waiting, 0), else_=1),
        sa.case((waiting, CorrectionRequest.id), else_=-CorrectionRequest.id),
    )
    return list(db.session.scalars(query.order_by(*order).limit(limit)))


def in_department(query: sa.Select, department_id: int | None) -> sa.Select:
    """Restrict a query over correction requests to one department's items."""
    if department_id is None:
        return query
    return (
        query.join(Application, CorrectionRequest.application_id == Application.id)
        .join(ItemVersion, Application.item_version_id == ItemVersion.id)
        .join(Item, ItemVersion.item_id == Item.id)
        .where(Item.department_id == department_id)
    )
