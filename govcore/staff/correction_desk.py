"""What a staff member sees and does of the 数据纠错 requests.

An approver handles the requests on their own department's applications: a
request on another department's application is answered as not found, so its
existence is not revealed. An auditor reads every department's requests and
handles none. Values are shown as on any staff screen: ID numbers, phones,
names and addresses masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from govcore.applications import corrections
from govcore.applications.corrections import CORRECTION_LABELS, CorrectionStatus
from govcore.applications.display import masked
from govcore.applications.models import Application, CorrectionRequest, ValueOrigin
from govcore.datahub import SOURCES
from govcore.db import db
from govcore.errors import NotFoundError, ValidationError
from govcore.staff.models import StaffAccount
from govcore.staff.roles import require

STATUSES = tuple(s.value for s in CorrectionStatus)


@dataclass(frozen=True)
class CorrectionView:
    """A request as staff see it: the field, both values masked, the source."""

    request: CorrectionRequest
    application: Application
    field_label: str
    stored_value: Any  # the application's value now, masked
    stored_changed: bool  # the applicant has since typed their own
    claimed_value: str  # masked like the field's values
    source_name: str  # the department owning the source
    status_label: str


def visible(
    account: StaffAccount, *, status: str | None = None
) -> list[CorrectionView]:
    """The requests ``account`` may read, those waiting first.

    :param status: only those in this status; ``None`` for all.
    :raise ValidationError: for an unknown status.
    """
    require(account.roles, "corrections.read")
    if status is not None and status not in STATUSES:
        raise ValidationError(f"status 须为 {'、'.join(STATUSES)} 之一", field="status")
    found = corrections.staff_corrections(
        department_id=account.department_id, status=status
    )
    return [view(r) for r in found]


def get(account: StaffAccount, correction_id: str) -> CorrectionView:
    """:raise NotFoundError: if there is no such request within the account's reach."""
    require(account.roles, "corrections.read")
    return view(_find(account, correction_id))


def forward(account: StaffAccount, correction_id: str, *, now: datetime) -> None:
    """Forward a request of the account's department to the source's owner;
    commits. See :func:`govcore.applications.corrections.forward`."""
    require(account.roles, "corrections.handle")
    request = _find(account, correction_id, lock=True)
    corrections.forward(request, actor=f"staff:{account.id}", now=now)


def answer(
    account: StaffAccount,
    correction_id: str,
    *,
    resolved: bool,
    answer: str,
    now: datetime,
) -> None:
    """Relay the source department's answer to a forwarded request and tell
    the applicant; commits. See :func:`govcore.applications.corrections.answer`."""
    require(account.roles, "corrections.handle")
    request = _find(account, correction_id, lock=True)
    corrections.answer(
        request,
        actor=f"staff:{account.id}",
        resolved=resolved,
        answer=answer,
        now=now,
    )


def view(request: CorrectionRequest) -> CorrectionView:
    application = request.application
    form = {f.key: f for f in application.item_version.spec.form}
    form_field = form.get(request.field_key)
    stored = application.value_of(request.field_key)
    value = stored.value if stored is not None else None
    return CorrectionView(
        request=request,
        application=application,
        field_label=form_field.label if form_field else request.field_key,
        stored_value=masked(form_field, value) if form_field else "***",
        stored_changed=stored is not None
        and stored.origin is not ValueOrigin.PREFILLED,
        claimed_value=(
            masked(form_field, request.claimed_value) if form_field else "***"
        ),
        source_name=SOURCES.get(request.source_path.partition(".")[0], ""),
        status_label=CORRECTION_LABELS[request.status],
    )


def _find(
    account: StaffAccount, correction_id: str, *, lock: bool = False
) -> CorrectionRequest:
    query = corrections.in_department(
        sa.select(CorrectionRequest).where(
            CorrectionRequest.public_id == correction_id
        ),
        account.department_id,
    )
    if lock:  # two staff answering at once cannot both answer
        query = query.with_for_update(of=CorrectionRequest)
    request = db.session.scalar(query)
    if request is None:
        raise NotFoundError("纠错申请不存在（correction request not found）")
    return request
