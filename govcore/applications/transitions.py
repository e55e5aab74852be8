"""The state machine of an application: the only way its status changes.

:data:`TRANSITIONS` lists every allowed (from, to) pair. :func:`change_status`
checks the pair, moves the status with a conditional UPDATE (so two concurrent
requests cannot both move the same application) and writes a
:class:`StatusChange` row saying who, when, through which channel and why.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from govcore.applications.models import Application, Status, StatusChange
from govcore.db import db
from govcore.errors import ConflictError

S = Status
TRANSITIONS: frozenset[tuple[Status, Status]] = frozenset(
    {
        (S.DRAFT, S.SUBMITTED),
        (S.DRAFT, S.WITHDRAWN),
        (S.SUBMITTED, S.APPROVED),
        (S.SUBMITTED, S.REFUSED),
        (S.SUBMITTED, S.MANUAL_REVIEW),
        (S.SUBMITTED, S.AWAITING_MATERIALS),
        (S.SUBMITTED, S.WITHDRAWN),
        (S.AWAITING_MATERIALS, S.SUBMITTED),  # materials supplied in time
        (S.AWAITING_MATERIALS, S.MANUAL_REVIEW),  # lapsed: a person decides
        (S.AWAITING_MATERIALS, S.REFUSED),  # lapsed: refused
        (S.AWAITING_MATERIALS, S.WITHDRAWN),  # lapsed or withdrawn by applicant
        (S.REFUSED, S.MANUAL_REVIEW),  # the applicant asks a person (个保法第24条)
        (S.MANUAL_REVIEW, S.APPROVED),
        (S.MANUAL_REVIEW, S.REFUSED),
        (S.MANUAL_REVIEW, S.AWAITING_MATERIALS),
        (S.MANUAL_REVIEW, S.WITHDRAWN),
        (S.APPROVED, S.CERTIFICATE_ISSUED),
        (S.APPROVED, S.REVOKED),
        (S.CERTIFICATE_ISSUED, S.REVOKED),
    }
)


def can_change(from_status: Status, to_status: Status) -> bool:
    return (from_status, to_status) in TRANSITIONS


def change_status(
    application: Application,
    to_status: Status,
    *,
    actor: str,
    channel: str,
    now: datetime,
    reason: str = "",
) -> StatusChange:
    """Move ``application`` to ``to_status`` and record the change.

    :raise ConflictError: if the move is not allowed from the current status,
        or another request changed the status first.
    """
    from_status = application.status
    if not can_change(from_status, to_status):
        raise ConflictError(
            f"办件当前状态为“{from_status.value}”，不能变为“{to_status.value}”"
            f"（transition {from_status.value} → {to_status.value} not allowed）",
            code="invalid_transition",
        )
    moved = db.session.execute(
        sa.update(Application)
        .where(Application.id == application.id, Application.status == from_status)
        .values(status=to_status, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise ConflictError(
            "办件状态已被其他操作更新，请刷新后重试（concurrent status change）",
            code="concurrent_change",
        )
    set_committed_value(application, "status", to_status)
    set_committed_value(application, "updated_at", now)
    change = StatusChange(
        application=application,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        channel=channel,
        reason=reason,
        at=now,
    )
    db.session.add(change)
    return change


def record_creation(
    application: Application, *, actor: str, channel: str, now: datetime
) -> StatusChange:
    """Record the first status (a draft comes into being)."""
    change = StatusChange(
        application=application,
        from_status=None,
        to_status=application.status,
        actor=actor,
        channel=channel,
        reason="创建草稿",
        at=now,
    )
    db.session.add(change)
    return change
