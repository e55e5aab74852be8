"""Every reference item decided through the API with sandbox people.

For each item: the path to approval (unless the item always goes to a
person), its refusals on hard data facts, its manual paths, and the approving
case again with a source down at submission (it must then go to a person).

The sandbox is the standalone demo's (2,000 generated residents, seed
440507, plus the personas), built once for the module on SQLite; the decision
tests of ``test_decisions.py`` run on PostgreSQL as well.

A path's person is a persona's fixed ID number, or a :class:`Resident`: the
facts a generated resident must have.  Generated birth dates (hence ID
numbers) and validity periods move with the day the population is generated
for, so those people are found in it by their facts on the day the test runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from govcore import catalog
from govcore.applications import Application
from govcore.clock import local_date, utcnow
from govcore.datahub.sandbox.models import SandboxRecord
from govcore.datahub.sandbox.service import SandboxDataSource, generate_into_sandbox
from govcore.db import db
from tests.api.conftest import CATALOG, ORG, upload_missing
from tests.conftest import make_test_app

TODAY = local_date(utcnow()).isoformat()


Records = dict[str, Any]
"""One subject's sandbox records, by source code (HK, SI, DPF ...)."""


@dataclass(frozen=True)
class Resident:
    """The first resident (personas, then generated people) with facts ``has``."""

    has: Callable[[Records, date], bool]

    def find(self, residents: dict[str, Records], today: date) -> str:
        for id_number, records in residents.items():
            if "HK" in records and self.has(records, today):
                return id_number
        raise LookupError("no generated resident has these facts today")


def age(records: Records, today: date) -> int:
    born = date.fromisoformat(records["HK"]["birth_date"])
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def in_longhu(records: Records) -> bool:
    return records["HK"]["status"] == "NORMAL" and records["HK"]["district_code"] == (
        "440507"
    )


def credit_clean(records: Records) -> bool:
    credit = records.get("CR", {})
    flags = ("dishonest_executee", "severe_dishonest", "false_commitment_record")
    return all(credit.get(flag) is False for flag in flags)


def severely_disabled(r: Records, today: date) -> bool:
    card = r.get("DPF", {})
    care = r.get("CA", {})
    return (
        in_longhu(r)
        and card.get("status") == "VALID"
        and date.fromisoformat(card["valid_to"]) >= today
        and card.get("level") in (1, 2)
        and care.get("institutionalised") is not True
        and not any(
            s["kind"] == "NURSING" and s["status"] == "ACTIVE"
            for s in care.get("disab_subsidy", [])
        )
    )


def student(r: Records, today: date) -> bool:
    si = r.get("SI", {})
    return (
        age(r, today) >= 16
        and r.get("EDU", {}).get("enrolled") is True
        and si.get("pension_receiving") is not True
        and not any(i.get("status") == "ACTIVE" for i in si.get("insured", []))
        and si.get("unemployment_reg", {}).get("status") != "ACTIVE"
    )


def holds_preferential_card(r: Records, today: date) -> bool:
    card = r.get("VA", {}).get("pref_card", {})
    return card.get("status") in ("ACTIVE", "IN_PRODUCTION")


def retired_one_child_parent(r: Records, today: date) -> bool:
    health = r.get("HL", {})
    return (
        in_longhu(r)
        and r.get("SI", {}).get("pension_receiving") is True
        and "one_child_cert" in health
        and not health.get("fp_violation", {}).get("flag")
        and credit_clean(r)
    )


def rural_parent_of_one(r: Records, today: date) -> bool:
    """Over 60, rural, one child born 1980–2015 (as the path declares)."""
    health = r.get("HL", {})
    children = health.get("children", [])
    return (
        in_longhu(r)
        and r["HK"]["rural_resident"] is True
        and age(r, today) >= 60
        and r["HK"]["birth_date"] >= "1933-01-01"
        and not health.get("fp_violation", {}).get("flag")
        and len(children) == 1
        and "1980-01-01" <= children[0]["birth_date"] <= "2015-12-31"
        and credit_clean(r)
    )


@dataclass(frozen=True)
class Path:
    item: str
    person: str | Resident  # a persona's ID number, or a generated resident
    expect: str  # approved, refused, manual_review
    org: str | None = None  # organisation name (ORG) or credit code
    entries: dict[str, Any] = field(default_factory=dict)
    sign: bool = False
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.item}-{self.expect}-{self.note or self.person[-4:]}"

    def id_number(self, residents: dict[str, Records]) -> str:
        if isinstance(self.person, str):
            return self.person
        return self.person.find(residents, local_date(utcnow()))


P = Path
PATHS = [
    # 困难残疾人生活补贴 / 重度残疾人护理补贴
    P("disability-living-subsidy", "44050719750618005X", "approved", note="吴建新"),
    P("disability-living-subsidy", "11010519491231002X", "refused", note="无残疾人证"),
    P(
        "severe-disability-nursing-subsidy",
        Resident(severely_disabled),
        "approved",
        note="二级残疾",
    ),
    P(
        "severe-disability-nursing-subsidy",
        "11010519491231002X",
        "refused",
        note="无残疾人证",
    ),
    # 出生登记
    P(
        "birth-registration",
        "440507199708210084",
        "approved",
        entries={"register_with": "随母落户", "relation_to_head": "女"},
        note="王佳琪",
    ),
    # 无犯罪记录证明: a record goes to a person who signs the refusal
    P(
        "no-criminal-record-certificate",
        "440507199007051236",
        "approved",
        entries={"purpose": "就业"},
        note="陈志明",
    ),
    P(
        "no-criminal-record-certificate",
        "440507198804110150",
        "manual_review",
        entries={"purpose": "就业"},
        note="有犯罪记录",
    ),
    # 居住证签注
    P(
        "residence-permit-endorsement",
        "430524199208150032",
        "approved",
        entries={"residence_basis": "合法稳定就业"},
        note="邓志刚",
    ),
    P(
        "residence-permit-endorsement",
        "430524199208150032",
        "manual_review",
        entries={"residence_basis": "连续就读"},
        note="依据不符",
    ),
    # 生育登记
    P(
        "fertility-registration",
        "440507199007051236",
        "approved",
        entries={"child_order": 1, "expected_date": TODAY},
        note="陈志明",
    ),
    # 失业登记
    P(
        "unemployment-registration",
        "440507199902140067",
        "approved",
        entries={"unemployment_reason": "毕业后未就业"},
        note="杨晓婷",
    ),
    P(
        "unemployment-registration",
        "440507199007051236",
        "refused",
        entries={"unemployment_reason": "本人辞职"},
        note="在职参保",
    ),
    P(
        "unemployment-registration",
        Resident(student),
        "manual_review",
        entries={"unemployment_reason": "其他"},
        note="在校",
    ),
    # 人才引进入户
    P(
        "talent-hukou-transfer",
        "440507199007051236",
        "refused",
        entries={"settle_type": "本人房产"},
        note="已是汕头户籍",
    ),
    # 高龄津贴
    P("aged-allowance", "440507194401150010", "approved", note="陈伯"),
    P("aged-allowance", "440507195210200016", "refused", note="未满80岁"),
    P("aged-allowance", "440507194105120044", "refused", note="已在领取"),
    P("aged-allowance", "440507194102200030", "refused", note="已身故"),
    # 个体工商户设立登记
    P(
        "individual-business-registration",
        "440507198002260093",
        "approved",
        entries={
            "composition": "个人经营",
            "premises_basis": "自有房产",
            "scope": "日用百货销售",
            "premises_address": "汕头市龙湖区金霞街道金砂东路118号3号铺面",
        },
        note="林锦鸿",
    ),
    P(
        "individual-business-registration",
        "440507198604170132",
        "refused",
        entries={"composition": "个人经营", "premises_basis": "自有房产"},
        note="周文彬登记限制",
    ),
    P(
        "individual-business-registration",
        "440507198305270176",
        "manual_review",
        entries={"composition": "个人经营", "premises_basis": "租赁"},
        note="失信",
    ),
    # 仅销售预包装食品备案
    P(
        "prepackaged-food-filing",
        "440507198002260093",
        "approved",
        org="龙湖区金霞锦鸿商行",
        entries={"food_items": "预包装食品销售（不含冷藏冷冻）"},
    ),
    # 公共场所卫生许可
    P(
        "public-venue-hygiene-permit",
        "440507198002260093",
        "approved",
        org="龙湖区金霞锦鸿商行",
        sign=True,
        entries={"venue_type": "商场（超市）", "commitment_signed": True},
    ),
    P(
        "public-venue-hygiene-permit",
        "440507198002260093",
        "manual_review",
        org="龙湖区金霞锦鸿商行",
        sign=True,
        entries={"venue_type": "其他公共场所", "commitment_signed": True},
        note="其他场所",
    ),
    # 建筑施工企业安全生产许可证延续
    P(
        "construction-safety-permit-renewal",
        "440507197008090190",
        "approved",
        org="汕头市龙湖区宏基建筑工程有限公司",
    ),
    # 道路运输从业资格证补发/换发
    P(
        "road-transport-qualification-reissue",
        "440507197809150130",
        "approved",
        entries={"handling_type": "换发（有效期届满）"},
        note="张伟明",
    ),
    # 社会保障卡申领
    P("social-security-card", "440507199902140067", "approved", note="杨晓婷"),
    P("social-security-card", "440507199007051236", "refused", note="已有卡"),
    # 城乡居民医保参保
    P("resident-medical-insurance", "440507199902140067", "approved", note="杨晓婷"),
    P("resident-medical-insurance", "440507199007051236", "refused", note="职工医保"),
    # 一次性职业介绍补贴: always a person (workers' records are not shared)
    P(
        "job-placement-subsidy",
        "440507197601300208",
        "manual_review",
        org="汕头市龙湖区汇才人力资源服务有限公司",
    ),
    # 临时救助 (N); 容缺: accepted without the hardship proof, decided once it comes
    P(
        "temporary-relief",
        "44050719750618005X",
        "awaiting_materials",
        entries={
            "relief_type": "急难型",
            "reason_code": "火灾",
            "reason_text": "家中失火",
        },
        note="吴建新",
    ),
    # 退役军人优待证
    P(
        "veteran-preferential-card",
        "440507198507040117",
        "approved",
        entries={"applicant_type": "退役军人", "card_collect": "邮寄"},
        note="杨国强",
    ),
    P(
        "veteran-preferential-card",
        Resident(holds_preferential_card),
        "refused",
        entries={"applicant_type": "退役军人", "card_collect": "邮寄"},
        note="已有证",
    ),
    P(
        "veteran-preferential-card",
        "440507194401150010",
        "manual_review",
        entries={"applicant_type": "退役军人", "card_collect": "邮寄"},
        note="非退役军人",
    ),
    # 独生子女父母奖励
    P(
        "one-child-parent-reward",
        Resident(retired_one_child_parent),
        "approved",
        entries={"reward_branch": "退休人员"},
        note="退休独生子女父母",
    ),
    P(
        "one-child-parent-reward",
        "440507199503120077",
        "refused",
        entries={"reward_branch": "退休人员"},
        note="未退休",
    ),
    P(
        "one-child-parent-reward",
        "440507194401150010",
        "manual_review",
        entries={"reward_branch": "退休人员"},
        note="无光荣证",
    ),
    # 农村部分计划生育家庭奖励扶助
    P(
        "rural-family-planning-reward",
        Resident(rural_parent_of_one),
        "approved",
        sign=True,
        entries={"children_born": 1, "living_children": 1},
        note="农村一孩父母",
    ),
    P(
        "rural-family-planning-reward",
        "440507194401150010",
        "refused",
        sign=True,
        entries={"children_born": 1, "living_children": 1},
        note="非农村",
    ),
    # 养犬登记 (renewals may approve; first registrations always a person)
    P(
        "dog-registration",
        "440507196811230063",
        "approved",
        entries={"registration_type": "延续年审", "vaccination_date": TODAY},
        note="方雪芬年审",
    ),
    P(
        "dog-registration",
        "440507194401150010",
        "manual_review",
        entries={"registration_type": "首次登记", "vaccination_date": TODAY},
        note="首次",
    ),
    # 公共租赁住房资格 (N), 残疾人证新办 (N)
    P(
        "public-rental-housing-qualification",
        "44050719750618005X",
        "manual_review",
        sign=True,
        entries={"current_housing": "无自有住房", "apply_type": "租赁补贴"},
    ),
    P(
        "disability-certificate",
        "440507199007051236",
        "manual_review",
        entries={"disability_type": "肢体残疾"},
    ),
]


def sample(f: dict[str, Any], person: str) -> Any:
    return {
        "id_number": person, "credit_code": "91440507MA4LH00229",
        "text": "情况说明", "address": "汕头市龙湖区金霞街道示例路1号", "integer": 1,
        "decimal": "100.00", "boolean": True, "date": TODAY,
        "enum": (f["options"] or [None])[0], "phone": "13800138000",
        "division_code": "440507",
    }.get(f["type"], "示例")  # fmt: skip


@pytest.fixture(scope="module")
def demo() -> Iterator[Flask]:
    app = make_test_app("sqlite://")
    with app.app_context():
        db.create_all()
        now = utcnow()
        catalog.load_catalog(catalog.read_catalog(CATALOG), now=now)
        generate_into_sandbox(2000, seed=440507, today=local_date(now), now=now)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def residents(demo: Flask) -> dict[str, Records]:
    """Every sandbox subject's records, in the population's order."""
    people: dict[str, Records] = {}
    with demo.app_context():
        for row in db.session.scalars(sa.select(SandboxRecord).order_by("id")):
            people.setdefault(row.subject_id, {})[row.source] = row.data
    return people


def run(app: Flask, path: Path, person: str, down: set[str] = frozenset()) -> dict:
    client = app.test_client()
    app.extensions["miaopi.datasource"] = SandboxDataSource()
    with app.app_context():
        name = (
            app.extensions["miaopi.datasource"]
            .fetch("HK", person, now=utcnow())
            .data["name"]
        )
    login = client.post(
        "/api/v1/auth/dev-login", json={"id_number": person, "name": name}
    )
    auth = {"Authorization": f"Bearer {login.json['token']}"}
    body: dict[str, Any] = {"item_code": path.item}
    if path.org:
        body["organisation"] = (
            ORG[path.org].credit_code if path.org in ORG else path.org
        )
    response = client.post("/api/v1/applications", json=body, headers=auth)
    assert response.status_code == 201, response.json
    detail = response.json
    url = f"/api/v1/applications/{detail['id']}"
    entries = {
        f["key"]: f["choices"][0] if f["choices"] else sample(f, person)
        for f in detail["fields"]
        if f["required"] and f["value"] is None
    }
    entries.update(path.entries)
    if entries:
        response = client.patch(url, json={"fields": entries}, headers=auth)
        assert response.status_code == 200, response.json
        detail = response.json
    if path.sign and detail["commitment"]["offered"]:
        text = client.get(f"{url}/commitment", headers=auth).json
        signed = client.post(
            f"{url}/commitment",
            json={"text_sha256": text["text_sha256"], "consent": {"confirmed": True}},
            headers=auth,
        )
        assert signed.status_code == 201, signed.json
        detail = signed.json
    upload_missing(client, url, detail["materials"], auth)
    if down:
        app.extensions["miaopi.datasource"] = SandboxDataSource(unavailable=down)
    response = client.post(
        f"{url}/submit", headers={**auth, "Idempotency-Key": f"{path.id}-{down}"}
    )
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.id)
def test_item_path(demo, residents, path) -> None:
    result = run(demo, path, path.id_number(residents))
    decision = result["decision"] or {"reasons": [], "explanation": []}
    explanation = decision["explanation"]
    assert result["status"] == path.expect, (decision["reasons"], explanation)
    if path.expect == "refused":
        assert explanation and all(e["required"] and e["basis"] for e in explanation)
        assert result["decision"]["can_request_review"]


APPROVALS = [p for p in PATHS if p.expect == "approved"]


@pytest.mark.parametrize("path", APPROVALS, ids=lambda p: p.id)
def test_approval_with_its_sources_down_goes_to_a_person(demo, residents, path) -> None:
    person = path.id_number(residents)
    with demo.app_context():
        spec = catalog.get_item_version(path.item, on=local_date(utcnow())).spec
    from govcore.rules.engine import compile_rules

    sources = {name for _, name in compile_rules(spec).sources}
    with demo.app_context():  # a fresh start: no earlier application of theirs
        for earlier in db.session.scalars(
            sa.select(Application).where(Application.applicant_id_number == person)
        ):
            db.session.delete(earlier)
        db.session.commit()
    result = run(demo, path, person, down=sources)
    assert result["status"] == "manual_review", result["decision"]
    assert any(e["unavailable"] for e in result["decision"]["explanation"])


def test_every_reference_item_has_rules_and_is_covered() -> None:
    items = {i.code: i for i in catalog.read_catalog(CATALOG).items}
    missing_rules = sorted(code for code, i in items.items() if i.rules is None)
    assert not missing_rules
    covered = {p.item for p in PATHS if p.item != "land-use-dispute-ruling"}
    online = {
        c for c, i in items.items() if "mobile" in {ch.value for ch in i.channels}
    }
    assert online <= covered, sorted(online - covered)
