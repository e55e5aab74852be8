"""The demo month's cast: what each item's applicants enter, how many apply,
and the visits of the personas and of 容缺 (see :mod:`webapp.demo_history_plan`).

An entry given as a tuple is a choice (each applicant picks one); given as a
function, it is worked out from the day of the visit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from govcore.applications import ChannelKind
from govcore.datahub.sandbox.personas import ORGANISATION_PERSONAS, PERSONAS

DAYS = 30


@dataclass(frozen=True)
class Visit:
    """One application as it will be made.

    :param owe: submit without the tolerable material (容缺受理).
    :param then: what follows: ``supply`` the owed material, let it ``lapse``,
        leave it ``due``; ``keep`` a review open; ``review`` (the applicant
        asks a person to look at a refusal); ``correct`` a prefilled value.
    """

    at: datetime
    item: str
    person: str
    channel: ChannelKind
    organisation: str | None = None
    entries: Mapping[str, Any] = field(default_factory=dict)
    owe: bool = False
    then: str = ""


@dataclass(frozen=True)
class Plan:
    """How many apply for an item, what they enter, whom to screen."""

    count: int
    entries: Mapping[str, Any] = field(default_factory=dict)
    pool: str = "HK"  # the source whose subjects are screened
    organisations: tuple[str, ...] = ()  # shop names to pick from (MR)


RELIEF = {
    "relief_type": ("急难型", "支出型"),
    "reason_code": ("火灾", "交通事故", "突发重大疾病", "医疗支出突增"),
    "reason_text": ("家中失火，衣物家电损毁", "家人突发重病住院", "子女上学支出增加"),
}
HYGIENE = {
    "venue_type": "美容美发场所",
    "floor_area": ("45.00", "60.00", "80.00"),
    "hygiene_manager": ("店长", "负责人本人"),
    "commitment_signed": True,
}
ITEMS: dict[str, Plan] = {
    "social-security-card": Plan(
        9,
        {
            "photo_source": "授权使用公安户籍相片",
            "bank": ("中国工商银行", "中国建设银行", "中国邮政储蓄银行", "广东农信"),
            "delivery_method": ("邮寄到家", "银行网点领取"),
        },
    ),
    # Enrolment for next year runs in the autumn.
    "resident-medical-insurance": Plan(9, {"insured_year": lambda day: day.year + 1}),
    "no-criminal-record-certificate": Plan(
        10, {"purpose": ("就业", "就业", "出入境", "入学", "执业资格")}, pool="PS"
    ),
    "fertility-registration": Plan(
        7,
        {"child_order": (1, 1, 2), "expected_date": lambda day: _iso(day, 160)},
        pool="MAR",
    ),
    "unemployment-registration": Plan(
        7,
        {"unemployment_reason": ("劳动合同期满终止", "毕业后未就业", "本人辞职")},
    ),
    "residence-permit-endorsement": Plan(
        3, {"residence_basis": "合法稳定就业"}, pool="PS"
    ),
    "aged-allowance": Plan(8, pool="CA"),
    "individual-business-registration": Plan(
        5,
        {
            "composition": ("个人经营", "家庭经营"),
            "premises_basis": ("自有房产", "租赁"),
            "scope": ("日用百货销售", "服装服饰零售", "五金产品零售", "文具用品零售"),
            "capital": ("30000.00", "50000.00", "100000.00"),
        },
    ),
    "temporary-relief": Plan(5, RELIEF, pool="INC"),
    "disability-living-subsidy": Plan(4, pool="DPF"),
    "severe-disability-nursing-subsidy": Plan(
        3, {"care_arrangement": "居家照护"}, pool="DPF"
    ),
    # First registrations: the dog is seen at the station (a person decides).
    "dog-registration": Plan(
        2,
        {
            "registration_type": "首次登记",
            "dog_name": ("旺财", "豆豆", "小白"),
            "breed": ("中华田园犬", "柯基", "泰迪"),
            "coat_color": ("黄色", "白色", "棕色"),
            "dog_sex": ("公", "母"),
            "vaccination_cert_no": ("YM2026-0815", "YM2026-1021", "YM2026-0930"),
            "vaccination_date": lambda day: _iso(day, -40),
        },
        pool="PS",
    ),
    "one-child-parent-reward": Plan(3, {"reward_branch": "退休人员"}, pool="HL"),
    "veteran-preferential-card": Plan(
        3, {"applicant_type": "退役军人", "card_collect": ("邮寄", "服务站领取")}, "VA"
    ),
    "road-transport-qualification-reissue": Plan(
        2, {"handling_type": "换发（有效期届满）"}, pool="TR"
    ),
    "talent-hukou-transfer": Plan(1, {"settle_type": "本人房产"}, pool="EDU"),
    "rural-family-planning-reward": Plan(
        2, {"children_born": 1, "living_children": 1}, pool="HL"
    ),
    "birth-registration": Plan(
        1, {"register_with": "随母落户", "relation_to_head": ("子", "女")}, pool="EL"
    ),
    "disability-certificate": Plan(
        2,
        {
            "disability_type": ("肢体残疾", "视力残疾"),
            "assessment_hospital": "汕头市中心医院",
        },
        pool="DPF",
    ),
    "public-rental-housing-qualification": Plan(
        2,
        {
            "household_members": "本人及配偶",
            "current_housing": "无自有住房",
            "apply_type": "租赁补贴",
        },
        pool="INC",
    ),
    "prepackaged-food-filing": Plan(
        4,
        {"food_items": "预包装食品销售（不含冷藏冷冻）"},
        organisations=("便利店", "食杂店", "商行", "茶叶店", "水果店", "五金店"),
    ),
    "public-venue-hygiene-permit": Plan(4, HYGIENE, organisations=("理发店",)),
}

PERSON_IDS = {p.name: p.id_number for p in PERSONAS}
ORG_CODES = {o.name: o.credit_code for o in ORGANISATION_PERSONAS}
# (item, persona, organisation, entries, days ago, then): each leaves the
# persona's own demonstration path open (see webapp.demo_history_plan).
PERSONA_VISITS: tuple[tuple[str, str, str | None, dict, int, str], ...] = (
    ("aged-allowance", "李振华", None, {}, 12, "review"),
    ("aged-allowance", "蔡婵娟", None, {}, 20, ""),
    ("disability-living-subsidy", "金丝雀", None, {}, 17, ""),
    (
        "social-security-card",
        "陈志明",
        None,
        ITEMS["social-security-card"].entries,
        9,
        "",
    ),
    ("resident-medical-insurance", "陈志明", None, {}, 23, ""),
    ("no-criminal-record-certificate", "刘志强", None, {"purpose": "就业"}, 13, "keep"),
    (
        "individual-business-registration",
        "谢少鹏",
        None,
        {"composition": "个人经营", "premises_basis": "租赁", "scope": "日用百货销售"},
        10,
        "keep",
    ),
    (
        "public-venue-hygiene-permit",
        "林锦鸿",
        "龙湖区金霞锦鸿商行",
        {**HYGIENE, "venue_type": "商场（超市）", "floor_area": "120.00"},
        6,
        "",
    ),
    (
        "construction-safety-permit-renewal",
        "蔡锐鸿",
        "汕头市龙湖区宏基建筑工程有限公司",
        {},
        15,
        "",
    ),
    (
        "job-placement-subsidy",
        "郑雅琳",
        "汕头市龙湖区汇才人力资源服务有限公司",
        {
            "worker_ids": "（名单见附件）",
            "worker_count": 3,
            "bank_account": "6222020000000000000",
        },
        8,
        "",
    ),
)
# 临时救助 with the hardship proof owed (容缺): (days ago, then).
TOLERANCE_VISITS = (
    (16, "supply"),
    (11, "supply"),
    (14, "lapse"),
    (None, "due"),  # filed so that the deadline is tomorrow
    (2, "due"),
)


def _iso(day: date, days: int) -> str:
    return (day + timedelta(days=days)).isoformat()
