"""Continuing a kiosk draft on a phone (扫码续办).

The kiosk shows a QR code holding a one-time code that lives a few minutes.
Scanned by the same person logged in on the phone, it moves the draft to the
mobile channel and ends the kiosk session at once, so nobody can go on at the
kiosk after the applicant walked away. Only the code's SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from govcore import audit
from govcore.applications.access import Caller, actor_label
from govcore.applications.models import Application, ChannelKind, HandoffCode, Status
from govcore.db import db
from govcore.errors import ConflictError, NotFoundError, ValidationError
from govcore.identity.sessions import UserSession, end_session

HANDOFF_LIFETIME = timedelta(minutes=5)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create_handoff(
    application: Application, caller: Caller, *, now: datetime
) -> tuple[str, datetime]:
    """Issue a hand-off code for a draft; return the code and when it expires."""
    if application.status is not Status.DRAFT:
        raise ConflictError(
            "只有草稿可以转到手机继续办理（only drafts can be handed off）",
            code="not_a_draft",
        )
    code = secrets.token_urlsafe(16)
    expires_at = now + HANDOFF_LIFETIME
    db.session.add(
        HandoffCode(
            code_hash=_digest(code),
            application_id=application.id,
            from_session_id=caller.session_id,
            created_at=now,
            expires_at=expires_at,
        )
    )
    db.session.commit()
    return code, expires_at


def claim_handoff(code: str, caller: Caller, *, now: datetime) -> Application:
    """Continue the draft of ``code`` on the caller's phone, and commit.

    :raise NotFoundError: for an unknown code, or one issued to someone else.
    :raise ValidationError: ``handoff_expired`` for a used or expired code.
    """
    handoff = db.session.scalar(
        sa.select(HandoffCode).where(HandoffCode.code_hash == _digest(code or ""))
    )
    application = (
        db.session.get(Application, handoff.application_id) if handoff else None
    )
    if application is None or caller.id_number not in (
        application.applicant_id_number,
        application.agent_id_number,
    ):
        raise NotFoundError(
            "二维码无效（hand-off code not found）", code="handoff_invalid"
        )
    assert handoff is not None
    claimed = db.session.execute(
        sa.update(HandoffCode)
        .where(
            HandoffCode.id == handoff.id,
            HandoffCode.used_at.is_(None),
            HandoffCode.expires_at > now,
        )
        .values(used_at=now)
    ).rowcount
    if claimed != 1 or application.status is not Status.DRAFT:
        db.session.rollback()
        raise ValidationError(
            "二维码已使用或已过期，请在自助终端重新生成（hand-off code expired）",
            field="code",
            code="handoff_expired",
        )
    application.channel = ChannelKind.MOBILE
    application.terminal_id = None
    application.updated_at = now
    if handoff.from_session_id is not None:
        kiosk_session = db.session.get(UserSession, handoff.from_session_id)
        if kiosk_session is not None:
            end_session(kiosk_session, reason="handoff", now=now)
    audit.record_event(
        "draft_handed_off",
        actor=actor_label(application, caller),
        at=now,
        target=f"application:{application.public_id}",
        details={"to": ChannelKind.MOBILE.value},
    )
    db.session.commit()
    return application
