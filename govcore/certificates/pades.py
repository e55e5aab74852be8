"""PAdES signature of a rendered document, and its check, with pyHanko.

The signature is an incremental update: the rendered bytes stay as they are
and the signature, in an invisible field, covers every byte of them (the red
seal on the page is only its picture). Signing is not deterministic (the CMS
carries the signing time and ECDSA is randomised); the unsigned render is.

The check never raises on bad input: garbage, an unsigned file, a damaged file
or a tampered one all come back as a :class:`PdfSignatureStatus` that says
what is wrong.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers

from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

__all__ = [
    "DEFAULT_REASON",
    "SIGNATURE_FIELD",
    "PdfSignatureStatus",
    "PdfSigningIdentity",
    "check_pdf_signature",
    "sign_pdf",
]

log = logging.getLogger(__name__)

SIGNATURE_FIELD = "BureauSeal"
DEFAULT_REASON = "汕头市龙湖区政务服务数据管理局电子签章"
DEFAULT_LOCATION = "广东省汕头市龙湖区"


@dataclass(frozen=True)
class PdfSigningIdentity:
    """The key and certificate the bureau signs with, as PEM.

    ``chain_pem`` holds the issuing certificates (intermediates, root); they
    are embedded in the signature so that a verifier needs only the root.
    """

    private_key_pem: bytes = field(repr=False)
    certificate_pem: bytes
    chain_pem: tuple[bytes, ...] = ()

    def signer(self) -> signers.SimpleSigner:
        chain = [c for pem in self.chain_pem for c in load_certs_from_pemder_data(pem)]
        (certificate,) = load_certs_from_pemder_data(self.certificate_pem)
        return signers.SimpleSigner(
            signing_cert=certificate,
            signing_key=load_private_key_from_pemder_data(self.private_key_pem, None),
            cert_registry=SimpleCertificateStore.from_certs([certificate, *chain]),
        )


@dataclass(frozen=True)
class PdfSignatureStatus:
    """What a check of a document's signature found.

    :ivar signed: the file is a PDF with a signature in it.
    :ivar intact: the signed bytes are unchanged and the signature is valid.
    :ivar trusted: the signer's certificate chains to one of the trust roots.
    :ivar covers_whole_file: nothing was appended after the signature.
    :ivar signer_subject: the signer certificate's subject, readable.
    :ivar signed_at: the signing time the signer claims (not a timestamp).
    :ivar problem: why the document is not OK, in plain words; ``None`` when
        it is.
    """

    signed: bool
    intact: bool
    trusted: bool
    covers_whole_file: bool
    signer_subject: str | None = None
    field_name: str | None = None
    signed_at: datetime | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Intact, trusted and covering the whole file."""
        return self.signed and self.intact and self.trusted and self.covers_whole_file


def sign_pdf(
    pdf: bytes,
    identity: PdfSigningIdentity,
    *,
    reason: str = DEFAULT_REASON,
    location: str = DEFAULT_LOCATION,
    field_name: str = SIGNATURE_FIELD,
) -> bytes:
    """``pdf`` with a PAdES baseline (B-B) signature appended as an incremental
    update in a new invisible field ``field_name``."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    output = signers.sign_pdf(writer, metadata, signer=identity.signer())
    return output.getvalue()


def check_pdf_signature(pdf: bytes, trust_roots: Iterable[bytes]) -> PdfSignatureStatus:
    """Check the last signature of ``pdf`` against ``trust_roots`` (PEM or
    DER certificates). Never raises for bad input."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
    except Exception as exc:  # any parse failure means: not a readable PDF
        log.info("unreadable PDF in signature check: %r", exc)
        return _failed(signed=False, problem=f"文件无法解析为 PDF：{exc}")
    if not embedded:
        return _failed(signed=False, problem="文件没有电子签名")
    signature = embedded[-1]
    try:
        status = validate_pdf_signature(signature, _context(trust_roots))
    except Exception as exc:  # damaged signature data, unparsable CMS …
        log.info("signature check failed: %r", exc)
        return _failed(
            signed=True, field_name=signature.field_name, problem=f"签名无法校验：{exc}"
        )
    return _summary(signature.field_name, status)


def _context(trust_roots: Iterable[bytes]) -> ValidationContext:
    roots: list[asn1_x509.Certificate] = []
    for data in trust_roots:
        roots.extend(load_certs_from_pemder_data(data))
    # The demo CA publishes no CRL or OCSP, and checks must work offline.
    return ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )


def _summary(field_name: str | None, status) -> PdfSignatureStatus:
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    problem = None
    if not status.intact:
        problem = "签名后文件内容被修改"
    elif not status.valid:
        problem = "签名值无效"
    elif not status.trusted:
        problem = "签名证书不受信任"
    elif not whole:
        problem = "签名之后文件被追加了内容"
    return PdfSignatureStatus(
        signed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        covers_whole_file=whole,
        signer_subject=status.signing_cert.subject.human_friendly,
        field_name=field_name,
        signed_at=status.signer_reported_dt,
        problem=problem,
    )


def _failed(
    *, signed: bool, problem: str, field_name: str | None = None
) -> PdfSignatureStatus:
    return PdfSignatureStatus(
        signed=signed,
        intact=False,
        trusted=False,
        covers_whole_file=False,
        field_name=field_name,
        problem=problem,
    )
