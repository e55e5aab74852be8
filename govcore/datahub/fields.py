"""The shared-data sources and the fields each one publishes.

This is the data dictionary the catalogue (prefill paths), the sandbox (import
files) and, later, the rules are checked against: a path such as
``HK.district_code`` or ``CA.dibao.status`` must name a field declared here.

A field's type is one of ``str``, ``int``, ``number``, ``bool``, ``date``,
``datetime``, a nested mapping (an object with named fields) or a one-element
list holding the mapping of its items (a list of objects).
"""

from __future__ import annotations

from typing import Any

from govcore.errors import ValidationError

SOURCES: dict[str, str] = {
    "HK": "户籍/人口库（公安）",
    "SI": "社会保险（人社）",
    "MI": "医疗保障（医保）",
    "CA": "民政（低保/特困/救助/津贴）",
    "MAR": "婚姻登记（民政）",
    "DPF": "残疾人证（残联）",
    "HL": "卫生健康（卫健）",
    "MR": "市场主体（市场监管）",
    "RE": "不动产登记（自然资源）",
    "PS": "公安（犯罪记录/居住证/养犬）",
    "CR": "信用（信用中国/法院）",
    "VA": "退役军人",
    "TR": "交通运输",
    "CON": "住房城乡建设/应急",
    "EDU": "学历（学信网）",
    "INC": "家庭经济状况核对（民政核对中心）",
    "EL": "电子证照库（省统一）",
}

ELICENCE_TYPES: dict[str, str] = {
    "ID_CARD": "居民身份证",
    "HUKOU_BOOK": "居民户口簿",
    "MARRIAGE_CERT": "结婚证",
    "DIVORCE_CERT": "离婚证",
    "BIRTH_MED_CERT": "出生医学证明",
    "DISABILITY_CERT": "残疾人证",
    "BIZ_LICENSE": "营业执照",
    "PROPERTY_CERT": "不动产权证书",
    "SSC": "社会保障卡",
    "RES_PERMIT": "居住证",
    "DISCHARGE_CERT": "退出现役证",
    "ROAD_QUAL": "道路运输从业资格证",
    "DEGREE_CERT": "学历证书",
    "FOOD_LICENSE": "食品经营许可证",
    "SAFETY_PERMIT": "安全生产许可证",
    "PREF_CARD": "优待证",
    "HR_SERVICE_LICENSE": "人力资源服务许可证",
    "DRIVING_LICENSE": "机动车驾驶证",
    "QUALIFICATION_CERT": "建筑业企业资质证书",
    "DISABLED_SOLDIER_CERT": "残疾军人证",
    "ONE_CHILD_CERT": "独生子女父母光荣证",
}

# Records kept about organisations (keyed by 统一社会信用代码), by path prefix;
# every other path is about a person (keyed by 公民身份号码).
ORGANISATION_PATHS: tuple[str, ...] = (
    "MR.entity.",
    "MR.abnormal_list",
    "MR.serious_illegal_list",
    "MR.food_license",
    "MR.food_filing",
    "MR.hr_service_license",
    "CON.safety_permit",
    "CON.fatal_accidents",
    "CON.qualification_valid",
)  # CON.public_rental is a person's (公租房 applications)

_STATUS = "str"
_PERSON_REF = "str"

SCHEMA: dict[str, dict[str, Any]] = {
    "HK": {
        "id_no": "str",
        "name": "str",
        "sex": "str",
        "birth_date": "date",
        "ethnicity": "str",
        "status": "str",
        "district_code": "str",
        "township_code": "str",
        "household_no": "str",
        "household_type": "str",
        "relation_to_head": "str",
        "address": "str",
        "move_in_date": "date",
        "rural_resident": "bool",
        "photo_available": "bool",
    },
    "SI": {
        "insured": [
            {
                "type": "str",
                "unit_uscc": "str",
                "region": "str",
                "start": "date",
                "status": _STATUS,
                "months": "int",
            }
        ],
        "paid_months": "int",
        "pension_receiving": "bool",
        "retire_date": "date",
        "employment_reg": {"status": _STATUS, "unit": "str"},
        "unemployment_reg": {"status": _STATUS, "date": "date"},
        "card": {
            "status": _STATUS,
            "card_no": "str",
            "bank": "str",
            "account_verified": "bool",
            "phone": "str",
        },
    },
    "MI": {
        "enrollment": [
            {"scheme": "str", "region_code": "str", "year": "int", "status": _STATUS}
        ],
        "subsidised_category": "str",
    },
    "CA": {
        "dibao": {"status": _STATUS, "start": "date"},
        "tekun": {"status": _STATUS, "start": "date"},
        "dibao_edge": {"status": _STATUS, "start": "date"},
        "aged_allowance": {"status": _STATUS, "tier": "str", "start": "date"},
        "disab_subsidy": [{"kind": "str", "status": _STATUS, "start": "date"}],
        "temp_relief": [{"date": "date", "reason_code": "str", "amount": "number"}],
        "death_record": {"date": "date"},
        "institutionalised": "bool",
    },
    "MAR": {
        "marriage": {
            "status": _STATUS,
            "cert_no": "str",
            "reg_date": "date",
            "spouse_id": _PERSON_REF,
        },
    },
    "DPF": {
        "cert_no": "str",
        "category": "int",
        "level": "int",
        "valid_to": "date",
        "status": _STATUS,
    },
    "HL": {
        "birth_cert": [
            {
                "no": "str",
                "child_name": "str",
                "child_sex": "str",
                "birth_datetime": "datetime",
                "birth_place": "str",
                "mother_id": _PERSON_REF,
                "father_id": _PERSON_REF,
                "issuer_org": "str",
                "issue_date": "date",
            }
        ],
        "fertility_reg": [{"reg_no": "str", "child_order": "int", "date": "date"}],
        "one_child_cert": {"no": "str", "date": "date"},
        "fp_violation": {"flag": "bool", "period": "str"},
        "children": [{"id_no": _PERSON_REF, "sex": "str", "birth_date": "date"}],
    },
    "MR": {
        "entity": {
            "uscc": "str",
            "name": "str",
            "type": "str",
            "status": _STATUS,
            "legal_rep_name": "str",
            "legal_rep_id": _PERSON_REF,
            "operator_id": _PERSON_REF,
            "address": "str",
            "address_district": "str",
            "scope_codes": ["str"],
            "established_on": "date",
        },
        "entities": [
            {
                "uscc": "str",
                "name": "str",
                "type": "str",
                "status": _STATUS,
                "address_district": "str",
            }
        ],
        "abnormal_list": "bool",
        "serious_illegal_list": "bool",
        "reg_ban": {"until": "date", "reason": "str"},
        "food_license": [{"premises": "str", "status": _STATUS}],
        "food_filing": [{"premises": "str", "status": _STATUS}],
        "hr_service_license": {"no": "str", "scope": ["str"], "status": _STATUS},
    },
    "RE": {
        "holdings": [
            {
                "unit_no": "str",
                "address": "str",
                "district": "str",
                "usage": "str",
                "area": "number",
                "share": "number",
            }
        ],
    },
    "PS": {
        "criminal_record": {"exists": "bool", "juvenile_sealed": "bool"},
        "wanted": "bool",
        "in_custody": "bool",
        "deprived_political_rights": "bool",
        "residence_permit": {
            "no": "str",
            "address": "str",
            "address_district": "str",
            "valid_from": "date",
            "last_endorse": "date",
            "status": _STATUS,
        },
        "dog_reg": [{"dog_chip": "str", "valid_to": "date", "address": "str"}],
        "rental_registration": [
            {"address": "str", "address_district": "str", "valid_to": "date"}
        ],
        "serving_sentence": "bool",
    },
    "CR": {
        "dishonest_executee": "bool",
        "severe_dishonest": "bool",
        "false_commitment_record": "bool",
        # Each false commitment found by a post-approval check (事后监管).
        "false_commitment_entries": [
            {"application_ref": "str", "reason": "str", "recorded_on": "date"}
        ],
    },
    "VA": {
        "profile": {"status": _STATUS},
        "service": {"type": "str", "discharge_date": "date", "dismissed": "bool"},
        "pref_card": {"status": _STATUS, "no": "str"},
        "three_relatives": {"relation": "str", "soldier_id": _PERSON_REF},
        "disabled_soldier_cert": {"no": "str", "level": "int", "status": _STATUS},
    },
    "TR": {
        "qualification": [
            {
                "cert_no": "str",
                "category": "str",
                "valid_to": "date",
                "status": _STATUS,
                "integrity_grade": "str",
                "issuer_region": "str",
                "first_issued_on": "date",
            }
        ],
        "major_accidents": [{"date": "date", "liability": "str"}],
    },
    "CON": {
        "safety_permit": {"no": "str", "valid_to": "date", "status": _STATUS},
        "fatal_accidents": [{"date": "date", "project": "str"}],
        "public_rental": {"applications": "int", "allocation_active": "bool"},
        "qualification_valid": "bool",
    },
    "EDU": {
        "degree": [
            {
                "level": "str",
                "full_time": "bool",
                "grad_date": "date",
                "cert_no": "str",
                "school": "str",
            }
        ],
        "enrolled": "bool",
    },
    "INC": {
        "household_income_pc": "number",
        "household_size": "int",
        "assets": {"deposits": "number", "vehicles": "int", "properties": "int"},
        "checked_on": "date",
    },
    "EL": {
        "licences": [
            {
                "type": "str",
                "number": "str",
                "issuer": "str",
                "issued_on": "date",
                "valid_to": "date",
                "status": _STATUS,
            }
        ],
    },
}

SCALAR_TYPES = frozenset({"str", "int", "number", "bool", "date", "datetime"})


def field_type(path: str) -> Any:
    """Return the declared type of a dotted source path such as ``CA.dibao.status``.

    A list of objects is traversed transparently: ``EL.licences.type`` names the
    ``type`` of each licence.

    :raise ValidationError: if the source or a segment of the path is unknown.
    """
    source, _, rest = path.partition(".")
    if source not in SCHEMA:
        raise ValidationError(
            f"未知的数据源 {source!r}（unknown data source; known: "
            f"{', '.join(SCHEMA)}）",
            field=path,
            code="unknown_source",
        )
    node: Any = SCHEMA[source]
    walked = source
    for segment in rest.split(".") if rest else ():
        if isinstance(node, list):
            node = node[0]
        if not isinstance(node, dict) or segment not in node:
            raise ValidationError(
                f"数据项 {walked}.{segment} 不存在（unknown field {segment!r} "
                f"under {walked})",
                field=path,
                code="unknown_field",
            )
        node = node[segment]
        walked = f"{walked}.{segment}"
    return node


def is_known_path(path: str) -> bool:
    """Return whether ``path`` names a declared source field."""
    try:
        field_type(path)
    except ValidationError:
        return False
    return True


def is_organisation_path(path: str) -> bool:
    """Return whether ``path`` reads an organisation's record, not a person's."""
    return path.startswith(ORGANISATION_PATHS)
