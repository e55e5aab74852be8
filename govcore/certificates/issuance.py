"""Issuing result documents in the transaction of the decision they record.

An approval gets the item's certificate (证照 / 批文), a refusal its written
decision with the reasons and the remedies, a manual review or a 容缺
acceptance a receipt with what happens next and by when. Issuing stores the
canonical fields and their signature; the PDF is made from those fields when
first asked for (:mod:`govcore.certificates.delivery`), so a decision costs a
signature, not a rendering.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from govcore.applications.models import Application
from govcore.catalog.schema import ValidFor
from govcore.certificates import compose
from govcore.certificates.fields import Stamp, fill, holder_of
from govcore.certificates.models import ResultDocument
from govcore.certificates.numbering import next_number
from govcore.certificates.pades import PdfSigningIdentity
from govcore.certificates.signing import FieldSigner, KeyRing, canonical_bytes
from govcore.clock import local_date
from govcore.db import db
from govcore.errors import UnavailableError
from govcore.rules.interpreter import add_months

if TYPE_CHECKING:  # a type only: decisions import this package
    from govcore.decisions.models import Decision

# The QR code's token: 256 random bits, URL-safe.
TOKEN_BYTES = 32


@dataclass(frozen=True)
class DocumentServices:
    """What issuing and checking documents needs, built by the composition root.

    :param signer: signs canonical fields (Ed25519 here; an SM2 service or HSM
        elsewhere, see :mod:`govcore.certificates.signing`).
    :param keyring: every public key documents were ever signed with.
    :param verify_base_url: the public verification page, the token appended.
    :param pdf_identity: the bureau's key and certificate for PAdES.
    :param trust_roots: certificates a PDF signature must chain to (PEM).
    """

    signer: FieldSigner
    keyring: KeyRing
    verify_base_url: str
    pdf_identity: PdfSigningIdentity
    trust_roots: tuple[bytes, ...] = field(default=())

    def verify_url(self, token: str) -> str:
        return self.verify_base_url.rstrip("/") + "/" + token


def available(services: DocumentServices | None) -> DocumentServices:
    """``services``, or 503 when the signing keys were not installed (the
    composition root then leaves them out and logs why).

    :raise UnavailableError: when ``services`` is None.
    """
    if services is None:
        raise UnavailableError(
            "电子文书签发服务暂不可用，请到窗口办理（no signing key）"
        )
    return services


def issue_for_decision(
    application: Application,
    decision: Decision,
    *,
    services: DocumentServices,
    now: datetime,
    due_on: date | None = None,
) -> ResultDocument:
    """The document a decision calls for, in the current transaction (no commit).

    :param due_on: for manual review, the date a person decides by.
    """
    if decision.outcome == "approve":
        existing = certificate_of(application)
        if existing is not None:  # an approval is certified once
            return existing
        return _issue(application, decision, "certificate", services, now)
    if decision.outcome == "refuse":
        return _issue(application, decision, "refusal", services, now)
    return _issue(application, decision, "receipt", services, now, due_on=due_on)


def issue_receipt(
    application: Application, *, services: DocumentServices, now: datetime
) -> ResultDocument:
    """The 容缺 acceptance notice: what is owed and by when (no commit)."""
    return _issue(application, None, "receipt", services, now)


def certificate_of(application: Application) -> ResultDocument | None:
    return db.session.scalar(
        sa.select(ResultDocument).where(
            ResultDocument.application_id == application.id,
            ResultDocument.kind == "certificate",
        )
    )


def _issue(
    application: Application,
    decision: Decision | None,
    kind: str,
    services: DocumentServices,
    now: datetime,
    *,
    due_on: date | None = None,
) -> ResultDocument:
    spec = application.item_version.spec
    department = application.item_version.item.department
    issued_on = local_date(now)
    valid_until = (
        valid_until_of(spec.result.valid_for, issued_on)
        if kind == "certificate"
        else None
    )
    number = next_number(department.code, spec.name, kind, issued_on)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    full_id = kind == "certificate" and bool(spec.result.full_id_number_reason)
    name, identifier = holder_of(application, full_id)
    stamp = Stamp(number, department.name, issued_on, valid_until, name, identifier)
    body = compose.compose(
        kind,
        application=application,
        decision=decision,
        stamp=stamp,
        due_on=due_on,
        fields=fill(application, decision, stamp)[0] if kind == "certificate" else [],
    )
    canonical: dict[str, Any] = {
        "schema": 1,
        **body,
        "number": number,
        "item_code": spec.code,
        "item_name": spec.name,
        "item_version": application.item_version.version,
        "reference_no": application.reference_no,
        "department_code": department.code,
        "department_name": department.name,
        "seal_text": department.seal_text,
        "issued_on": issued_on.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "verify_url": services.verify_url(token),
    }
    signature = services.signer.sign(canonical_bytes(canonical))
    document = ResultDocument(
        public_id=secrets.token_hex(16),
        application=application,
        department_id=department.id,
        kind=kind,
        number=number,
        title=body["title"],
        token=token,
        fields=canonical,
        key_id=services.signer.key_id,
        signature=base64.b64encode(signature).decode("ascii"),
        issued_at=now,
        valid_until=valid_until,
        status="valid",
        prints=0,
    )
    if kind != "certificate":
        db.session.add(document)
        db.session.flush()
        return document
    try:
        with db.session.begin_nested():  # a savepoint: losing a race is no error
            db.session.add(document)
    except sa.exc.IntegrityError:
        # Another transaction certified this application first (the unique
        # index admits one certificate per application): that one stands.
        existing = certificate_of(application)
        if existing is None:
            raise
        return existing
    return document


def valid_until_of(valid_for: ValidFor | None, issued_on: date) -> date | None:
    """The last valid day: ``issued_on`` plus the period, less one day."""
    if valid_for is None:
        return None
    end = add_months(issued_on, valid_for.years * 12 + valid_for.months)
    return end + timedelta(days=valid_for.days - 1)


def signature_intact(document: ResultDocument, keyring: KeyRing) -> bool:
    """Whether the stored fields are exactly what was signed, by a known key."""
    try:
        signature = base64.b64decode(document.signature, validate=True)
    except ValueError:
        return False
    return keyring.verify(document.key_id, canonical_bytes(document.fields), signature)
