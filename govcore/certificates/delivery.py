"""Handing a result document over: its PDF, made once and kept, and reprints.

The first request renders the PDF from the signed canonical fields (the
rendering is deterministic), seals it with the bureau's PAdES signature and
keeps the file; every later request returns that same file, so a reprint has
the same number, content and signature. Reprints are counted, audited and
limited; the first print of a certificate marks the application 已出证.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import sqlalchemy as sa

from govcore import audit
from govcore.applications.models import Status
from govcore.applications.transitions import change_status
from govcore.certificates.document import DocumentContent, NoteSection
from govcore.certificates.issuance import DocumentServices
from govcore.certificates.models import ResultDocument
from govcore.certificates.pades import sign_pdf
from govcore.certificates.pdf import render_pdf
from govcore.certificates.receipt import Ticket, build_ticket
from govcore.db import db
from govcore.errors import ConflictError, UnavailableError
from govcore.filestore import FileStore

# The original print and this many reprints; more needs a person at the window.
REPRINT_LIMIT = 5


def content_of(document: ResultDocument) -> DocumentContent:
    """What the renderer draws, from the signed fields alone."""
    fields = document.fields
    return DocumentContent(
        kind=fields["kind"],
        title=fields["title"],
        department_name=fields["department_name"],
        number=fields["number"],
        issued_on=date.fromisoformat(fields["issued_on"]),
        holder=tuple(tuple(f) for f in fields["holder"]),
        fields=tuple(tuple(f) for f in fields["fields"]),
        valid_until=(
            date.fromisoformat(fields["valid_until"]) if fields["valid_until"] else None
        ),
        validity_text=fields["validity_text"],
        verify_url=fields["verify_url"],
        notes=tuple(NoteSection(h, tuple(p)) for h, p in fields["notes"]),
        footer=f"办件编号 {fields['reference_no']}",
        seal_caption=fields.get("seal_caption", ""),
    )


def document_pdf(
    document: ResultDocument, *, services: DocumentServices, store: FileStore
) -> bytes:
    """The document's sealed PDF, made on first request (commits when made)."""
    if document.pdf_key is None:
        # Locked, so two first requests at once make one file, not two.
        db.session.refresh(document, with_for_update=True)
    if document.pdf_key is None:
        pdf = sign_pdf(render_pdf(content_of(document)), services.pdf_identity)
        document.pdf_key = store.put(pdf, "pdf")
        document.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        db.session.commit()
        return pdf
    pdf = store.read(document.pdf_key)
    if hashlib.sha256(pdf).hexdigest() != document.pdf_sha256:
        raise UnavailableError(
            "文书文件校验失败，请到窗口办理（stored PDF does not match its hash）"
        )
    return pdf


def print_document(
    document: ResultDocument,
    *,
    actor: str,
    channel: str,
    services: DocumentServices,
    store: FileStore,
    now: datetime,
) -> bytes:
    """The PDF to print, counting the print; commits.

    :raise ConflictError: ``revoked`` for a revoked document, ``reprint_limit``
        after :data:`REPRINT_LIMIT` reprints.
    """
    ensure_printable(document)
    pdf = document_pdf(document, services=services, store=store)
    record_print(document, actor=actor, channel=channel, now=now)
    db.session.commit()
    return pdf


def ensure_printable(document: ResultDocument, *, pending: int = 0) -> None:
    """Refuse a print of a revoked document, or one over the reprint limit
    counting ``pending`` prints already on their way to a printer.

    :raise ConflictError: ``revoked`` or ``reprint_limit``.
    """
    if document.status == "revoked":
        raise ConflictError("该文书已被撤销，不能打印（revoked）", code="revoked")
    if document.prints + pending > REPRINT_LIMIT:
        raise _reprint_limit()


def _reprint_limit() -> ConflictError:
    return ConflictError(
        f"已补打 {REPRINT_LIMIT} 次，如需再次打印请到窗口办理（reprint limit）",
        code="reprint_limit",
    )


def record_print(
    document: ResultDocument,
    *,
    actor: str,
    channel: str,
    now: datetime,
    enforce_limit: bool = True,
) -> int:
    """Count a print of ``document`` and audit it; the first print of a
    certificate marks the application 已出证. Returns the prints so far.

    The count is raised in one statement guarded by the limit, so two prints
    at once cannot both pass it. ``enforce_limit=False`` counts a print that
    has already happened (a terminal reporting paper out of its printer).

    :raise ConflictError: ``reprint_limit`` (nothing counted).
    """
    guard = [ResultDocument.id == document.id]
    if enforce_limit:
        guard.append(ResultDocument.prints <= REPRINT_LIMIT)
    counted = db.session.execute(
        sa.update(ResultDocument)
        .where(*guard)
        .values(prints=ResultDocument.prints + 1)
        .returning(ResultDocument.prints)
    ).scalar_one_or_none()
    if counted is None:
        raise _reprint_limit()
    application = document.application
    if (
        document.kind == "certificate"
        and counted == 1
        and application.status is Status.APPROVED
    ):
        change_status(
            application,
            Status.CERTIFICATE_ISSUED,
            actor=actor,
            channel=channel,
            now=now,
            reason=f"{document.title}已打印（{document.number}）",
        )
    audit.record_event(
        "document_printed" if counted == 1 else "document_reprinted",
        actor=actor,
        at=now,
        target=f"document:{document.public_id}",
        details={"number": document.number, "prints": counted, "channel": channel},
    )
    return counted


RESULT_TEXT = {
    "certificate": "已批准",
    "refusal": "不予批准",
    "receipt": "已受理",
}


def ticket_for(document: ResultDocument, *, width_mm: int = 58) -> Ticket:
    """The thermal-printer ticket that goes with a document: reference number,
    item, result, and the QR code of its verification page (never the holder's
    name or ID number, which a dropped ticket would give away)."""
    fields = document.fields
    lines: list[str | tuple[str, str]] = [
        (document.title, document.number),
        ("出具日期", fields["issued_on"]),
    ]
    if document.valid_until:
        lines.append(("有效期至", document.valid_until.isoformat()))
    if document.kind == "receipt":
        due = dict(tuple(f) for f in fields["fields"])
        lines += [(k, v) for k, v in due.items() if k in ("承诺办结日期", "补交期限")]
    return build_ticket(
        fields["reference_no"],
        fields["item_name"],
        RESULT_TEXT[document.kind],
        lines,
        fields["verify_url"],
        width_mm,
        qr_caption="扫码核验文书、查询状态",
    )
