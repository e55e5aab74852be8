"""The wording of each kind of result document, as canonical data.

:func:`compose` gives the title, holder lines, fields and notes that
:func:`govcore.certificates.delivery.content_of` turns into a
:class:`~govcore.certificates.document.DocumentContent` for the renderer. All
of it is signed, so what the verification page vouches for is what was printed.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from govcore.applications.materials import material_states
from govcore.applications.models import Application, ApplicantKind
from govcore.certificates.document import chinese_date
from govcore.certificates.fields import HOLDER_KEYS, ID_KEYS, Stamp
from govcore.clock import local_date
from govcore.privacy import mask_name
from govcore.validation import mask_id_number

if TYPE_CHECKING:  # a type only: decisions import this package
    from govcore.decisions.models import Decision

REMEDIES = (
    "申请人如对本决定不服，可以自收到本决定书之日起六十日内向汕头市龙湖区人民政府"
    "申请行政复议，也可以自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
)
AUTOMATED_NOTICE = (
    "本决定由系统依据公开的审批规则自动作出。根据《中华人民共和国个人信息保护法》"
    "第二十四条，您有权要求工作人员人工复核：可在“我的办件”中申请复核，"
    "或到龙湖区政务服务中心窗口办理。"
)
VERIFY_NOTE = "可用手机扫描二维码核验本文书真伪及当前状态。"
LAPSE_WORDS = {
    "refuse": "将作出不予批准的决定",
    "manual_review": "将转工作人员审核",
    "withdraw": "申请将被撤回",
}


def compose(
    kind: str,
    *,
    application: Application,
    decision: Decision | None,
    stamp: Stamp,
    fields: list[tuple[str, str]],
    due_on: date | None = None,
) -> dict[str, Any]:
    spec = application.item_version.spec
    holder_label = (
        ("单位名称", "统一社会信用代码")
        if application.applicant_kind is ApplicantKind.ORGANISATION
        else ("姓名", "公民身份号码")
    )
    base = {
        "kind": kind,
        "holder": [
            [holder_label[0], stamp.holder_name],
            [holder_label[1], stamp.holder_id],
        ],
        "holder_masked": _masked_holder(application),
        "fields": [list(f) for f in fields],
        "validity_text": "",
        "seal_caption": "",
        "notes": [],
    }
    if kind == "certificate":
        keys = {f.key for f in spec.result.fields}
        if keys & (HOLDER_KEYS | {"entity_name"}) and keys & ID_KEYS:
            base["holder"] = []  # the template prints the holder itself
        return {
            **base,
            "title": spec.result.name,
            "validity_text": spec.result.validity if stamp.valid_until is None else "",
            "notes": [["", [VERIFY_NOTE]]],
        }
    case = [
        ["申请事项", spec.name],
        ["办件编号", application.reference_no],
        [
            "申请日期",
            chinese_date(_submitted_on(application)),
        ],
    ]
    if kind == "refusal":
        assert decision is not None
        return {
            **base,
            "title": spec.result.refusal_name,
            "fields": case,
            "notes": _refusal_notes(application, decision, stamp),
        }
    return {**base, **_receipt(application, decision, stamp, case, due_on)}


def _refusal_notes(
    application: Application, decision: Decision, stamp: Stamp
) -> list[list[Any]]:
    opening = (
        f"{stamp.holder_name}：你于{chinese_date(_submitted_on(application))}"
        f"提出的{application.item_version.spec.name}申请（办件编号 "
        f"{application.reference_no}），经审查，决定不予批准。"
    )
    reasons = [f"{i}. {r}" for i, r in enumerate(decision.reasons or [], 1)]
    bases = sorted(
        {c["basis"] for c in decision.checks if c["status"] == "failed" and c["basis"]}
    )
    notes: list[list[Any]] = [
        ["", [opening]],
        ["不予批准的理由", reasons or ["见附件。"]],
    ]
    if bases:
        notes.append(["依据", ["、".join(bases)]])
    remedies = [REMEDIES] + ([AUTOMATED_NOTICE] if decision.automated else [])
    notes.append(["救济途径", remedies])
    return notes


def _receipt(
    application: Application,
    decision: Decision | None,
    stamp: Stamp,
    case: list[list[str]],
    due_on: date | None,
) -> dict[str, Any]:
    department = application.item_version.item.department
    if decision is None:  # 容缺受理
        owed = [
            s.material.name
            for s in material_states(application)
            if s.state == "tolerated"
        ]
        lapse = LAPSE_WORDS.get(application.item_version.spec.tolerance.on_lapse, "")
        due = (
            chinese_date(application.materials_due_on)
            if application.materials_due_on
            else ""
        )
        steps = [
            f"你的申请已容缺受理。请于{due}前补交：{'、'.join(owed)}。",
            "可在“我的办件”中上传，或到龙湖区政务服务中心窗口提交。",
            f"逾期未补交的，{lapse}。" if lapse else "",
        ]
        return {
            "title": "容缺受理通知书",
            "fields": case + [["补交期限", due]],
            "notes": [["下一步", [s for s in steps if s]], ["", [VERIFY_NOTE]]],
        }
    steps = [
        f"你的申请已受理，由{department.name}工作人员审核"
        + (f"，承诺于{chinese_date(due_on)}前办结。" if due_on else "。"),
        "审核结果将通过短信和“我的办件”通知你，无需再跑窗口。",
    ]
    if department.phone:
        steps.append(f"咨询电话：{department.phone}。")
    return {
        "title": "受理回执",
        "fields": case + ([["承诺办结日期", chinese_date(due_on)]] if due_on else []),
        "notes": [["下一步", steps], ["", [VERIFY_NOTE]]],
    }


def _masked_holder(application: Application) -> dict[str, str]:
    """The holder as anyone who scans the QR code may see it."""
    if application.applicant_kind is ApplicantKind.ORGANISATION:
        return {
            "name": application.org_name or "",
            "id": application.org_credit_code or "",
        }
    return {
        "name": mask_name(application.applicant_name),
        "id": mask_id_number(application.applicant_id_number),
    }


def _submitted_on(application: Application) -> date:
    return local_date(application.submitted_at or application.created_at)
