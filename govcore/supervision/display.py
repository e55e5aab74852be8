"""A check as the supervisor's page shows it: what was committed, why it was
drawn, and the documents at stake, with personal data masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from govcore.applications.materials import materials_of
from govcore.applications.models import Application, SignedCommitment
from govcore.certificates import verification
from govcore.clock import local_date
from govcore.privacy import mask_id_number, mask_name
from govcore.supervision.models import SupervisionCheck
from govcore.supervision.risks import RISK_LABELS

CHANNEL_LABELS = {
    "kiosk": "自助终端",
    "mobile": "小程序",
    "counter": "窗口",
    "system": "系统",
}


@dataclass(frozen=True)
class SignedText:
    signed_at: str
    channel: str
    method: str
    text: str  # the signed text, names masked


@dataclass(frozen=True)
class DocumentLine:
    number: str
    title: str
    issued_at: str
    status: str  # verification.STATUS_LABELS


@dataclass(frozen=True)
class CheckDetail:
    """Everything the check page shows; nothing unmasked."""

    check: SupervisionCheck
    reference_no: str
    item_name: str
    department_name: str
    applicant: str
    organisation: str
    agent: str
    verification: str
    commitments: list[SignedText]
    replaced: list[str]
    risks: list[str]
    basis: str
    documents: list[DocumentLine]


def describe(check: SupervisionCheck, *, today: date) -> CheckDetail:
    """The page's view of ``check`` on ``today`` (for document validity)."""
    application = check.application
    spec = application.item_version.spec
    names = {m.code: m.name for m in materials_of(application)}
    replaced = {c for s in application.commitments for c in s.replaces}
    return CheckDetail(
        check=check,
        reference_no=application.reference_no,
        item_name=spec.name,
        department_name=application.item_version.item.department.name,
        applicant=(
            f"{mask_name(application.applicant_name)}"
            f"（{mask_id_number(application.applicant_id_number)}）"
        ),
        organisation=(
            f"{application.org_name}（{application.org_credit_code}）"
            if application.org_credit_code
            else ""
        ),
        agent=mask_name(application.agent_name or ""),
        verification=spec.commitment.verification,
        commitments=[_signed(application, s) for s in application.commitments],
        replaced=[names.get(code, code) for code in sorted(replaced)],
        risks=[RISK_LABELS.get(flag, flag) for flag in check.risk_flags],
        basis=basis(check),
        documents=[
            DocumentLine(
                number=d.number,
                title=d.title,
                issued_at=local_date(d.issued_at).isoformat(),
                status=verification.STATUS_LABELS[verification.status_of(d, today)],
            )
            for d in verification.documents_of(application.id)
            if d.kind == "certificate"
        ],
    )


def basis(check: SupervisionCheck) -> str:
    """Why the check was drawn (抽中依据), in words anyone can recompute."""
    rate = "风险抽查比例" if check.risk_flags else "基础抽查比例"
    sign = "<" if check.selected else "≥"
    return (
        f"抽样值 {check.draw:.6f} {sign} {rate} {check.rate:.2f}"
        f"（抽取批次 {check.run.public_id[:8]}，随机种子 {check.run.seed}）"
    )


def _signed(application: Application, signed: SignedCommitment) -> SignedText:
    text = signed.text
    # The text names the applicant (and, for an agent, maybe the agent) in
    # full, as it was signed; the console shows the masked form.
    for name in filter(None, (application.applicant_name, application.agent_name)):
        text = text.replace(name, mask_name(name))
    return SignedText(
        signed_at=local_date(signed.signed_at).isoformat(),
        channel=CHANNEL_LABELS.get(signed.channel.value, signed.channel.value),
        method="手写签名" if signed.signature_file else "确认同意",
        text=text,
    )
