"""Database models of applications (办件) and everything attached to them.

An application belongs to one item version. Its form is a set of
:class:`FormValue` rows, one per form field, each with where its value came
from; its materials are :class:`MaterialRecord` rows; its status changes only
through :mod:`govcore.applications.transitions`, which writes a
:class:`StatusChange` row for every change.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govcore.catalog.models import ItemVersion
from govcore.db import db, str_enum


class Status(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AWAITING_MATERIALS = "awaiting_materials"  # 容缺受理: accepted, material due
    MANUAL_REVIEW = "manual_review"
    APPROVED = "approved"
    REFUSED = "refused"
    CERTIFICATE_ISSUED = "certificate_issued"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"


STATUS_LABELS: dict[Status, str] = {
    Status.DRAFT: "草稿",
    Status.SUBMITTED: "已提交",
    Status.AWAITING_MATERIALS: "容缺受理，待补齐材料",
    Status.MANUAL_REVIEW: "人工审核中",
    Status.APPROVED: "已批准",
    Status.REFUSED: "不予批准",
    Status.CERTIFICATE_ISSUED: "已出证",
    Status.WITHDRAWN: "已撤回",
    Status.REVOKED: "已撤销",
}


class ApplicantKind(enum.StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class ChannelKind(enum.StrEnum):
    KIOSK = "kiosk"
    MOBILE = "mobile"
    COUNTER = "counter"  # staff-assisted at the hall
    SYSTEM = "system"  # 免申即享: granted by the system without an application


class ValueOrigin(enum.StrEnum):
    """Where a form value came from."""

    PREFILLED = "prefilled"  # shared data, with provenance
    ENTERED = "entered"  # typed or chosen by the applicant
    EMPTY = "empty"  # nothing yet


class MaterialKind(enum.StrEnum):
    ELICENCE = "elicence"  # found in the 电子证照 library (免提交)
    DATA = "data"  # replaced by a data check (免提交)
    GENERATED = "generated"  # made by the system (the application form)
    UPLOAD = "upload"  # a scan or photo the applicant supplied


class Application(db.Model):
    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    reference_no: Mapped[str] = mapped_column(sa.String(24), unique=True)
    item_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("item_version.id"), index=True
    )
    status: Mapped[Status] = mapped_column(str_enum(Status, 24), index=True)
    applicant_kind: Mapped[ApplicantKind] = mapped_column(str_enum(ApplicantKind))
    # The person applying; for an organisation, its legal representative.
    applicant_id_number: Mapped[str] = mapped_column(sa.String(18), index=True)
    applicant_name: Mapped[str] = mapped_column(sa.String(60))
    org_credit_code: Mapped[str | None] = mapped_column(sa.String(18))
    org_name: Mapped[str | None] = mapped_column(sa.String(120))
    # 代办: the person acting for the applicant, with a mandate material.
    agent_id_number: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    agent_name: Mapped[str | None] = mapped_column(sa.String(60))
    agent_relation: Mapped[str | None] = mapped_column(sa.String(30))
    channel: Mapped[ChannelKind] = mapped_column(str_enum(ChannelKind))
    terminal_id: Mapped[str | None] = mapped_column(sa.String(40))
    staff_id: Mapped[str | None] = mapped_column(sa.String(40))
    # What the applicant is offered, decided from shared data at draft time.
    commitment_offered: Mapped[bool] = mapped_column(default=False)
    tolerance_offered: Mapped[bool] = mapped_column(default=False)
    offer_note: Mapped[str] = mapped_column(sa.String(200), default="")
    materials_due_on: Mapped[date | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    retain_until: Mapped[date | None]

    item_version: Mapped[ItemVersion] = relationship()
    values: Mapped[list[FormValue]] = relationship(
        back_populates="application",
        order_by="FormValue.position",
        cascade="all, delete-orphan",
    )
    materials: Mapped[list[MaterialRecord]] = relationship(
        back_populates="application",
        order_by="MaterialRecord.id",
        cascade="all, delete-orphan",
    )
    commitments: Mapped[list[SignedCommitment]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="application",
        order_by="StatusChange.id",
        cascade="all, delete-orphan",
    )

    @property
    def acting_id_number(self) -> str:
        """The person who fills in and submits: the agent if any, else the applicant."""
        return self.agent_id_number or self.applicant_id_number

    def value_of(self, key: str) -> FormValue | None:
        return next((v for v in self.values if v.key == key), None)


class FormValue(db.Model):
    """One form field's value with its provenance."""

    __tablename__ = "form_value"
    __table_args__ = (sa.UniqueConstraint("application_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int]
    value: Mapped[Any | None] = mapped_column(sa.JSON)
    origin: Mapped[ValueOrigin] = mapped_column(str_enum(ValueOrigin))
    locked: Mapped[bool] = mapped_column(default=False)
    # Provenance of a prefilled value (or of the failed attempt).
    source_path: Mapped[str | None] = mapped_column(sa.String(80))
    record_id: Mapped[str | None] = mapped_column(sa.String(80))
    fetched_at: Mapped[datetime | None]
    # Why a prefill found nothing: no_record, source_unavailable, holder_mismatch.
    prefill_problem: Mapped[str | None] = mapped_column(sa.String(40))
    choices: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime]

    application: Mapped[Application] = relationship(back_populates="values")


class MaterialRecord(db.Model):
    """A material satisfied one way or another (e-licence, data, upload …)."""

    __tablename__ = "material_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    material_code: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[MaterialKind] = mapped_column(str_enum(MaterialKind))
    # ELICENCE / DATA: what was found, and where.
    licence_type: Mapped[str | None] = mapped_column(sa.String(40))
    licence_number: Mapped[str | None] = mapped_column(sa.String(80))
    licence_issuer: Mapped[str | None] = mapped_column(sa.String(120))
    source_path: Mapped[str | None] = mapped_column(sa.String(80))
    record_id: Mapped[str | None] = mapped_column(sa.String(80))
    fetched_at: Mapped[datetime | None]
    # UPLOAD: the cleaned file in the file store, under a server-made name.
    file_name: Mapped[str | None] = mapped_column(sa.String(40))
    media_type: Mapped[str | None] = mapped_column(sa.String(40))
    size: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]

    application: Mapped[Application] = relationship(back_populates="materials")


class SignedCommitment(db.Model):
    """A signed 告知承诺书: the exact text, its hash and how it was signed."""

    __tablename__ = "signed_commitment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    text_sha256: Mapped[str] = mapped_column(sa.String(64))
    replaces: Mapped[list[str]] = mapped_column(sa.JSON)
    signer_id_number: Mapped[str] = mapped_column(sa.String(18))
    channel: Mapped[ChannelKind] = mapped_column(str_enum(ChannelKind))
    terminal_id: Mapped[str | None] = mapped_column(sa.String(40))
    signed_at: Mapped[datetime]
    # Either a handwritten signature image in the file store, or a consent
    # record (what was confirmed, how) when the channel has no signature pad.
    signature_file: Mapped[str | None] = mapped_column(sa.String(40))
    consent: Mapped[dict[str, Any]]

    application: Mapped[Application] = relationship(back_populates="commitments")


class StatusChange(db.Model):
    """One row per status change: the only record of how an application moved."""

    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[Status | None] = mapped_column(str_enum(Status, 24))
    to_status: Mapped[Status] = mapped_column(str_enum(Status, 24))
    actor: Mapped[str] = mapped_column(sa.String(60))
    channel: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    at: Mapped[datetime]

    application: Mapped[Application] = relationship(back_populates="history")


class ReferenceCounter(db.Model):
    """The last 办件编号 sequence number handed out per day."""

    __tablename__ = "reference_counter"

    day: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    last: Mapped[int]


class HandoffCode(db.Model):
    """A one-time, short-lived code to continue a kiosk draft on a phone."""

    __tablename__ = "handoff_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    from_session_id: Mapped[int | None]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class CorrectionRequest(db.Model):
    """An applicant's claim that a value from shared data is wrong (纠错申请)."""

    __tablename__ = "correction_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    field_key: Mapped[str] = mapped_column(sa.String(64))
    source_path: Mapped[str] = mapped_column(sa.String(80))
    record_id: Mapped[str | None] = mapped_column(sa.String(80))
    claimed_value: Mapped[str] = mapped_column(sa.String(200))
    reason: Mapped[str] = mapped_column(sa.String(500))
    # open → forwarded → resolved | rejected (corrections.CORRECTION_LABELS).
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    created_at: Mapped[datetime]
    # Sent on to the department that owns the source (its name, from SOURCES).
    forwarded_at: Mapped[datetime | None]
    forwarded_to: Mapped[str | None] = mapped_column(sa.String(120))
    forwarded_by: Mapped[str | None] = mapped_column(sa.String(60))
    # That department's answer, as relayed to the applicant.
    answer: Mapped[str | None] = mapped_column(sa.String(500))
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[str | None] = mapped_column(sa.String(60))

    application: Mapped[Application] = relationship()


class IdempotencyRecord(db.Model):
    """The first response to a request sent with an ``Idempotency-Key``."""

    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("owner", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(sa.String(64))  # a digest, never an ID
    key: Mapped[str] = mapped_column(sa.String(255))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int | None]
    body: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
