"""Checking a document by its QR token, checking a PDF, and revoking.

Anyone holding the token (it is in the QR code) learns the item, the masked
holder, the dates, the status and whether the record's signature is intact;
never the full name or ID number. Unknown tokens are simply not found.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from govcore import audit
from govcore.applications.models import Application, Status
from govcore.applications.transitions import change_status
from govcore.certificates.issuance import DocumentServices, signature_intact
from govcore.certificates.models import ResultDocument
from govcore.certificates.pades import PdfSignatureStatus, check_pdf_signature
from govcore.db import db
from govcore.errors import ConflictError, NotFoundError, ValidationError
from govcore.notifications import enqueue

STATUS_LABELS = {"valid": "有效", "revoked": "已撤销", "expired": "已过期"}
KIND_LABELS = {"certificate": "证照/批文", "refusal": "决定书", "receipt": "回执"}


@dataclass(frozen=True)
class Verification:
    """What the public verification page shows."""

    kind: str
    title: str
    number: str
    item_name: str
    department_name: str
    holder_name: str  # masked
    holder_id: str  # masked
    issued_on: date
    valid_until: date | None
    validity_text: str
    status: str  # valid, revoked, expired
    revoked_on: date | None
    revoke_reason: str | None
    signature_intact: bool

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def find_by_token(token: str) -> ResultDocument:
    """:raise NotFoundError: for a token no document has."""
    if not 16 <= len(token) <= 64:
        raise NotFoundError("未找到该文书（unknown token）")
    document = db.session.scalar(
        sa.select(ResultDocument).where(ResultDocument.token == token)
    )
    if document is None:
        raise NotFoundError("未找到该文书（unknown token）")
    return document


def verify(token: str, *, services: DocumentServices, today: date) -> Verification:
    document = find_by_token(token)
    fields = document.fields
    return Verification(
        kind=document.kind,
        title=document.title,
        number=document.number,
        item_name=fields["item_name"],
        department_name=fields["department_name"],
        holder_name=fields["holder_masked"]["name"],
        holder_id=fields["holder_masked"]["id"],
        issued_on=date.fromisoformat(fields["issued_on"]),
        valid_until=document.valid_until,
        validity_text=fields["validity_text"],
        status=status_of(document, today),
        revoked_on=document.revoked_at.date() if document.revoked_at else None,
        revoke_reason=document.revoke_reason,
        signature_intact=signature_intact(document, services.keyring),
    )


def status_of(document: ResultDocument, today: date) -> str:
    if document.status == "revoked":
        return "revoked"
    if document.valid_until is not None and today > document.valid_until:
        return "expired"
    return "valid"


@dataclass(frozen=True)
class PdfCheck:
    """A PDF someone holds, checked against the document of a token."""

    signature: PdfSignatureStatus
    same_as_issued: bool  # byte for byte the file the bureau handed out

    @property
    def ok(self) -> bool:
        return self.signature.ok and self.same_as_issued


def check_pdf(token: str, pdf: bytes, *, services: DocumentServices) -> PdfCheck:
    document = find_by_token(token)
    return PdfCheck(
        signature=check_pdf_signature(pdf, services.trust_roots),
        same_as_issued=document.pdf_sha256 is not None
        and hashlib.sha256(pdf).hexdigest() == document.pdf_sha256,
    )


def revoke(
    document: ResultDocument, *, actor: str, reason: str, now: datetime
) -> ResultDocument:
    """Revoke a valid certificate; its page shows it from now on. Commits."""
    revoke_without_commit(document, actor=actor, reason=reason, now=now)
    db.session.commit()
    return document


def revoke_without_commit(
    document: ResultDocument,
    *,
    actor: str,
    reason: str,
    now: datetime,
    notify: bool = True,
) -> ResultDocument:
    """Revoke a valid certificate within the caller's transaction (no commit).

    The application moves to ``revoked`` if it was approved; the holder is
    told (``certificate_revoked``) unless ``notify`` is false because the
    caller sends a message of its own; an audit event is written.

    :raise ValidationError: for a reason shorter than 2 or longer than 300.
    :raise ConflictError: for a document that is no certificate or is
        already revoked.
    """
    reason = reason.strip()
    if not 2 <= len(reason) <= 300:
        raise ValidationError("请写明撤销理由（2-300字）", field="reason")
    if document.kind != "certificate":
        raise ConflictError("只有证照和批文可以撤销", code="not_revocable")
    if document.status == "revoked":
        raise ConflictError("该文书已被撤销（already revoked）", code="already_revoked")
    document.status = "revoked"
    document.revoked_at, document.revoked_by = now, actor
    document.revoke_reason = reason
    application = document.application
    revoke_approval(
        application,
        actor=actor,
        reason=f"{document.title}已撤销：{reason}"[:300],
        now=now,
    )
    if notify:
        enqueue(
            "certificate_revoked",
            application_id=application.id,
            payload={"document": document.public_id, "number": document.number},
            now=now,
            event_id=f"certificate_revoked:{document.public_id}",
        )
    audit.record_event(
        "document_revoked",
        actor=actor,
        at=now,
        target=f"document:{document.public_id}",
        details={"number": document.number},
    )
    return document


def revoke_approval(
    application: Application, *, actor: str, reason: str, now: datetime
) -> None:
    """Move an approved application to ``revoked`` within the caller's
    transaction (no commit).

    An application that is no longer approved (already revoked, say, with
    another of its certificates) is left as it is.
    """
    if application.status not in (Status.APPROVED, Status.CERTIFICATE_ISSUED):
        return
    change_status(
        application,
        Status.REVOKED,
        actor=actor,
        channel="counter",
        now=now,
        reason=reason,
    )


def documents_of(application_id: int) -> list[ResultDocument]:
    return list(
        db.session.scalars(
            sa.select(ResultDocument)
            .where(ResultDocument.application_id == application_id)
            .order_by(ResultDocument.id)
        )
    )


def document_of(application_id: int, public_id: str) -> ResultDocument:
    """:raise NotFoundError: unless the application has that document."""
    document = db.session.scalar(
        sa.select(ResultDocument).where(
            ResultDocument.application_id == application_id,
            ResultDocument.public_id == public_id,
        )
    )
    if document is None:
        raise NotFoundError("文书不存在（document not found）")
    return document
