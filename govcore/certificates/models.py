"""Issued result documents and their number counters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govcore.applications.models import Application
from govcore.catalog.models import Department
from govcore.db import db


class DocumentCounter(db.Model):
    """The last number handed out per scope (prefix, item and year)."""

    __tablename__ = "document_counter"

    scope: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    last: Mapped[int]


class ResultDocument(db.Model):
    """A certificate, approval, refusal decision or receipt, as issued.

    ``fields`` are the canonical fields, signed with ``key_id``; the PDF is made
    from them on first request and kept, so every reprint is the same file. The
    verification token is random (256 bits).
    """

    __tablename__ = "result_document"
    # One certificate per application, whatever runs concurrently (refusals
    # and receipts may come again: a refusal reviewed and refused once more).
    __table_args__ = (
        sa.Index(
            "uq_result_document_certificate",
            "application_id",
            unique=True,
            sqlite_where=sa.text("kind = 'certificate'"),
            postgresql_where=sa.text("kind = 'certificate'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))  # certificate/refusal/receipt
    number: Mapped[str] = mapped_column(sa.String(60), unique=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    # The random verification token in the QR code (never personal data); kept
    # as issued because the PDF, rendered on first request, must carry it.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    fields: Mapped[dict[str, Any]]  # canonical: what the signature covers
    key_id: Mapped[str] = mapped_column(sa.String(40))
    signature: Mapped[str] = mapped_column(sa.String(200))  # base64
    issued_at: Mapped[datetime]
    valid_until: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(16), default="valid")
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(sa.String(60))
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(300))
    pdf_key: Mapped[str | None] = mapped_column(sa.String(200))  # in the file store
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    prints: Mapped[int] = mapped_column(default=0)  # the first print, then reprints

    application: Mapped[Application] = relationship()
    department: Mapped[Department] = relationship()
