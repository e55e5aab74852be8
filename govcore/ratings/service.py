"""Rating a service (好差评) in one tap: stars and common reasons.

The reasons are the usual ones of the 政务服务“好差评” scheme, offered as
buttons: typing is hard at a kiosk, and free text would invite personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from govcore.applications.access import Caller
from govcore.applications.models import Application, Status
from govcore.db import db
from govcore.errors import ConflictError, ValidationError
from govcore.ratings.models import ServiceRating

GOOD_REASONS = ("办理快速", "不用填写", "不用跑腿", "指引清楚", "服务热情")
BAD_REASONS = ("等待太久", "操作复杂", "看不清楚", "材料太多", "结果不满意")


def rate(
    application: Application,
    caller: Caller,
    *,
    stars: int,
    reasons: Sequence[str],
    now: datetime,
) -> ServiceRating:
    """Record the caller's rating of ``application``.

    :raise ValidationError: stars outside 1–5, or a reason not offered.
    :raise ConflictError: ``draft`` before submission, ``already_rated``.
    """
    if not 1 <= stars <= 5:
        raise ValidationError("请选择 1 到 5 颗星", field="stars")
    offered = GOOD_REASONS + BAD_REASONS
    unknown = [r for r in reasons if r not in offered]
    if unknown:
        raise ValidationError(f"没有这个选项：{unknown[0]}", field="reasons")
    if application.status is Status.DRAFT:
        raise ConflictError("提交后才能评价", code="draft")
    if rating_of(application) is not None:
        raise ConflictError("已经评价过了，谢谢", code="already_rated")
    rating = ServiceRating(
        application_id=application.id,
        stars=stars,
        reasons=list(dict.fromkeys(reasons)),
        channel=caller.channel.value,
        terminal_id=caller.terminal_id,
        created_at=now,
    )
    db.session.add(rating)
    db.session.flush()
    return rating


def rating_of(application: Application) -> ServiceRating | None:
    return db.session.scalar(
        sa.select(ServiceRating).where(ServiceRating.application_id == application.id)
    )
