"""数据纠错: the applicant says a value from shared data is wrong.

The request goes to the department that owns the source; the application
keeps the authoritative value meanwhile (the rules will use it, or a person).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from govcore import audit
from govcore.applications.access import Caller, actor_label
from govcore.applications.models import Application, CorrectionRequest
from govcore.db import db
from govcore.errors import ValidationError


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
