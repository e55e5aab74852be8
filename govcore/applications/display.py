"""How applications and items read on a screen, whatever the screen.

Shared by the phone API and the kiosk: the wording of a material's ways of
being supplied, the labels of prefill problems, and the masking of personal
identifiers in form values (names, ID numbers, phones, addresses and bank
accounts are shown masked; the full values appear only on the holder's own
certificate).
"""

from __future__ import annotations

from typing import Any

from govcore.applications.models import FormValue, MaterialRecord
from govcore.catalog.schema import Fee, FieldType, FormField, Material, Requirement
from govcore.datahub import ELICENCE_TYPES, SOURCES
from govcore.privacy import (
    mask_account,
    mask_address,
    mask_id_number,
    mask_name,
    mask_phone,
)

PROBLEM_LABELS = {
    "no_record": "共享数据中没有您的记录，请自行填写",
    "no_value": "共享数据中没有此项，请自行填写",
    "source_unavailable": "数据源暂时无法访问，请自行填写，将由工作人员核实",
    "holder_mismatch": "数据源返回的信息与您不符，请自行填写，将由工作人员核实",
}
REQUIREMENT_LABELS = {
    Requirement.REQUIRED: "必要",
    Requirement.OPTIONAL: "非必要",
    Requirement.TOLERABLE: "容缺（可后补）",
}
PERSON_NAME_PATHS = {"HK.name", "MR.entity.legal_rep_name", "HL.birth_cert.child_name"}


def fee_text(fee: Fee) -> str:
    """收费 or 不收费, as the guide of an item says it."""
    return (fee.standard or "收费") if fee.charged else "不收费"


def guide_material(material: Material, tolerable: list[str]) -> dict[str, Any]:
    ways = []
    if material.origin == "系统生成":
        ways.append("系统根据预填信息自动生成")
    if material.elicence:
        ways.append(f"有{ELICENCE_TYPES[material.elicence]}电子证照的免提交")
    if material.data_check:
        ways.append("经数据核验的免提交")
    if material.commitment:
        ways.append("可用告知承诺代替")
    if material.code in tolerable:
        ways.append("可容缺受理，限期补交")
    if not ways:
        ways.append("拍照或扫描上传")
    return {
        "code": material.code,
        "name": material.name,
        "requirement": material.requirement.value,
        "requirement_label": REQUIREMENT_LABELS[material.requirement],
        "form": material.form,
        "how": "；".join(ways),
        "when": material.when,
    }


def masked(form_field: FormField, value: Any) -> Any:
    """A form value as shown on screen: personal identifiers masked."""
    if not isinstance(value, str) or not value:
        return value
    if form_field.type is FieldType.ID_NUMBER:
        return mask_id_number(value)
    if form_field.type is FieldType.PHONE:
        return mask_phone(value)
    if form_field.type is FieldType.ADDRESS:
        return mask_address(value)
    if form_field.prefill in PERSON_NAME_PATHS or "姓名" in form_field.label:
        return mask_name(value)
    if "账户" in form_field.label or "账号" in form_field.label:
        return mask_account(value)
    return value


def source_of(value: FormValue | MaterialRecord) -> dict[str, Any]:
    path = value.source_path or ""
    return {
        "path": path,
        "name": SOURCES.get(path.partition(".")[0], ""),
        "record_id": value.record_id,
        "fetched_at": value.fetched_at,
    }
