"""Taking a document home on the phone (扫码领取) when the kiosk cannot print.

The kiosk shows a QR code of a one-time address: whoever scans it within
:data:`PICKUP_LIFETIME` downloads the document's PDF, at most
:data:`PICKUP_DOWNLOADS` times. The QR is shown only on the holder's own
screen, during their session; only the token's SHA-256 is stored, and every
download is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govcore import audit
from govcore.certificates.models import ResultDocument
from govcore.db import db
from govcore.errors import NotFoundError

PICKUP_LIFETIME = timedelta(minutes=15)
PICKUP_DOWNLOADS = 3


class DocumentPickup(db.Model):
    __tablename__ = "document_pickup"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("result_document.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    downloads: Mapped[int] = mapped_column(default=0)

    document: Mapped[ResultDocument] = relationship()


def create_pickup(document: ResultDocument, *, now: datetime) -> str:
    """A one-time pickup token for ``document`` (shown once, in the QR)."""
    token = secrets.token_urlsafe(24)
    db.session.add(
        DocumentPickup(
            token_hash=_digest(token),
            document_id=document.id,
            created_at=now,
            expires_at=now + PICKUP_LIFETIME,
        )
    )
    db.session.flush()
    return token


def redeem_pickup(token: str, *, now: datetime) -> ResultDocument:
    """The document of ``token``, counting the download.

    :raise NotFoundError: unknown, expired or used up (all alike), or the
        document revoked since.
    """
    pickup = db.session.scalar(
        sa.select(DocumentPickup).where(DocumentPickup.token_hash == _digest(token))
    )
    counted = None
    if pickup is not None:
        counted = db.session.execute(
            sa.update(DocumentPickup)
            .where(
                DocumentPickup.id == pickup.id,
                DocumentPickup.expires_at > now,
                DocumentPickup.downloads < PICKUP_DOWNLOADS,
            )
            .values(downloads=DocumentPickup.downloads + 1)
            .returning(DocumentPickup.downloads)
        ).scalar_one_or_none()
    if pickup is None or counted is None or pickup.document.status == "revoked":
        raise NotFoundError("领取码无效或已过期，请在小程序“我的办件”中下载")
    audit.record_event(
        "document_picked_up",
        actor="pickup",
        at=now,
        target=f"document:{pickup.document.public_id}",
        details={"download": counted},
    )
    return pickup.document


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
