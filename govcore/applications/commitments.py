"""告知承诺: the commitment text for an item, and signing it.

The text is generated from the item: who commits, to what, which materials it
replaces, how the department will check it, and the liability for a false
commitment. The applicant signs the exact text they were shown: the client
sends back its SHA-256, and a text that changed in between is refused.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from govcore.applications.access import Caller
from govcore.applications.materials import commitment_replaceable, materials_of
from govcore.applications.models import Application, SignedCommitment, Status
from govcore.applications.uploads import clean_image
from govcore.clock import local_date
from govcore.db import db
from govcore.errors import ConflictError, ValidationError
from govcore.filestore import FileStore
from govcore.privacy import mask_id_number

LIABILITY = (
    "本人知悉：如所作承诺不实，行政机关将依法撤销已作出的决定、追回已发放的"
    "款物，将承诺不实的情况记入本人信用记录，并依法追究相应法律责任。"
)


def commitment_text(application: Application) -> str:
    """The 告知承诺书 the applicant is asked to sign for this application.

    :raise ConflictError: if the item allows none, or it is not offered to
        this applicant (a dishonesty record, or credit data unavailable).
    """
    spec = application.item_version.spec
    if not spec.commitment.allowed:
        raise ConflictError(
            f"“{spec.name}”不适用告知承诺（commitment not allowed for this item）",
            code="commitment_not_allowed",
        )
    if not application.commitment_offered:
        raise ConflictError(
            f"{application.offer_note}（commitment not offered）",
            code="commitment_not_offered",
        )
    names = {m.code: m.name for m in materials_of(application)}
    replaced = [names.get(code, code) for code in commitment_replaceable(spec)]
    who = application.org_name or application.applicant_name
    lines = [
        "告知承诺书",
        "",
        f"事项：{spec.name}",
        f"办件编号：{application.reference_no}",
        f"承诺人：{who}（证件号码 {_masked_holder(application)}）",
        "",
        "本人已知悉本事项的办理条件和要求，现郑重承诺：",
    ]
    statements = [
        f"所提交的信息真实、准确、完整；{c}。" for c in spec.commitment.conditions
    ]
    if replaced:
        statements.append(
            f"以本承诺代替提交以下材料：{'、'.join(replaced)}，所述情况属实。"
        )
    lines += [f"{i}. {s}" for i, s in enumerate(statements, 1)]
    lines += ["", f"核查方式：{spec.commitment.verification}"]
    if spec.commitment.verify_within_days:
        lines.append(f"行政机关将在 {spec.commitment.verify_within_days} 日内核查。")
    lines += ["", LIABILITY]
    return "\n".join(lines)


def _masked_holder(application: Application) -> str:
    return application.org_credit_code or mask_id_number(
        application.applicant_id_number
    )


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sign_commitment(
    application: Application,
    caller: Caller,
    *,
    text_sha256: str,
    now: datetime,
    store: FileStore,
    signature_png: bytes | None = None,
    consent: dict[str, Any] | None = None,
) -> SignedCommitment:
    """Record the applicant's signature of the commitment text and commit.

    :param text_sha256: the digest of the text the applicant was shown.
    :param signature_png: a handwritten signature from a signature pad.
    :param consent: without a signature pad, what the applicant confirmed
        (``{"confirmed": true, "method": "button"}``).
    :raise ConflictError: if not a draft, not offered, or already signed.
    :raise ValidationError: if the text changed, or neither a signature nor a
        confirmed consent was given.
    """
    if application.status is not Status.DRAFT:
        raise ConflictError(
            "办件已提交（application is not a draft）", code="not_a_draft"
        )
    text = commitment_text(application)
    if application.commitments:
        raise ConflictError("告知承诺书已签署（already signed）", code="already_signed")
    if text_sha256 != text_digest(text):
        raise ValidationError(
            "承诺书内容已更新，请重新阅读后签署（commitment text changed）",
            field="text_sha256",
            code="commitment_text_changed",
        )
    if signature_png is None and not (consent or {}).get("confirmed") is True:
        raise ValidationError(
            "请手写签名，或勾选“本人已阅读并承诺”后确认（signature or consent required）",
            field="consent",
            code="signature_required",
        )
    signature_file = None
    if signature_png is not None:
        image = clean_image(signature_png)
        signature_file = store.put(image.content, image.extension)
    signed = SignedCommitment(
        text=text,
        text_sha256=text_sha256,
        replaces=commitment_replaceable(application.item_version.spec),
        signer_id_number=caller.id_number,
        channel=caller.channel,
        terminal_id=caller.terminal_id,
        signed_at=now,
        signature_file=signature_file,
        consent={
            "method": "signature" if signature_file else "confirmation",
            "statement": "本人已阅读并承诺",
            "local_date": local_date(now).isoformat(),
            "device": str((consent or {}).get("device", ""))[:40],
        },
    )
    application.commitments.append(signed)
    application.updated_at = now
    db.session.commit()
    return signed
