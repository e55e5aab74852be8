"""The whole 秒报 path through the API, item by item, counting the applicant's work.

For each item a sandbox persona logs in, creates a draft, types only what the
draft left empty, uploads only the materials still missing, signs the
commitment where one is on offer and needed, and submits. The table of fields
typed and files uploaded is printed (``pytest -s``) and checked: the point of
秒报 is that both are zero for most items.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from govcore.clock import local_date, utcnow
from tests.api.conftest import (
    ORG,
    PERSON,
    create_draft,
    dev_login,
    scanned_page,
    upload_missing,
)

# (item, persona, organisation or None)
WALKS = [
    ("aged-allowance", "陈伯", None),
    ("disability-living-subsidy", "吴建新", None),
    ("birth-registration", "王佳琪", None),
    ("no-criminal-record-certificate", "陈志明", None),
    ("residence-permit-endorsement", "邓志刚", None),
    ("veteran-preferential-card", "杨国强", None),
    ("social-security-card", "杨晓婷", None),
    ("prepackaged-food-filing", "林锦鸿", "龙湖区金霞锦鸿商行"),
    (
        "construction-safety-permit-renewal",
        "蔡锐鸿",
        "汕头市龙湖区宏基建筑工程有限公司",
    ),
    ("temporary-relief", "吴建新", None),
]


@dataclass
class Walk:
    item: str
    category: str
    persona: str
    typed: list[str]
    chosen: list[str]
    uploaded: list[str]
    signed: bool
    status: str


def sample_value(f: dict, persona: str) -> object:
    """What an applicant would type into an empty field of this type."""
    return {
        "string": "示例",
        "text": "情况说明",
        "address": "汕头市龙湖区金霞街道示例路1号",
        "integer": 1,
        "decimal": "100.00",
        "boolean": True,
        "date": local_date(utcnow()).isoformat(),
        "enum": (f["options"] or [None])[0],
        "phone": "13800138000",
        "id_number": PERSON[persona].id_number,
        "division_code": "440507",
    }.get(f["type"], "示例")


def walk(client, item: str, persona: str, organisation: str | None) -> Walk:
    auth = dev_login(client, persona)
    body = {"organisation": ORG[organisation].credit_code} if organisation else {}
    detail = create_draft(client, auth, item, **body)
    url = f"/api/v1/applications/{detail['id']}"
    empty = {
        f["key"]: f["choices"][0] if f["choices"] else sample_value(f, persona)
        for f in detail["fields"]
        if f["required"] and f["value"] is None
    }
    if empty:
        response = client.patch(url, json={"fields": empty}, headers=auth)
        assert response.status_code == 200, (item, response.json)
        detail = response.json
    signed = False
    replaceable = [m for m in detail["materials"] if m["state"] == "missing"]
    if replaceable and detail["commitment"]["offered"]:
        text = client.get(f"{url}/commitment", headers=auth).json
        response = client.post(
            f"{url}/commitment",
            json={"text_sha256": text["text_sha256"], "consent": {"confirmed": True}},
            headers=auth,
        )
        assert response.status_code == 201, (item, response.json)
        detail, signed = response.json, True
    upload_missing(
        client, url, detail["materials"], auth, page=scanned_page((200, 280))
    )
    submitted = client.post(
        f"{url}/submit", headers={**auth, "Idempotency-Key": f"walk-{item}"}
    )
    assert submitted.status_code == 200, (item, submitted.json)
    result = submitted.json
    entered = [f for f in result["fields"] if f["origin"] == "entered"]
    typed = [f["key"] for f in entered if f["type"] not in ("enum", "boolean")]
    chosen = [f["key"] for f in entered if f["type"] in ("enum", "boolean")]
    uploaded = sorted({m["code"] for m in result["materials"] if m["files"]})
    assert len(typed) == result["effort"]["typed_fields"]
    assert len(chosen) == result["effort"]["chosen_fields"]
    category = client.get(f"/api/v1/items/{item}").json["category_label"]
    return Walk(
        item, category, persona, typed, chosen, uploaded, signed, result["status"]
    )


@pytest.fixture
def walks(world, client) -> list[Walk]:
    return [walk(client, *w) for w in WALKS]


def test_most_items_need_nothing_typed_and_nothing_uploaded(walks) -> None:
    print("\n| 事项 | 类别 | 申请人 | 键盘填写 | 点选 | 上传文件 | 告知承诺 | 结果 |")
    print("|---|---|---|---|---|---|---|---|")
    for w in walks:
        print(
            f"| {w.item} | {w.category} | {w.persona} | {_listed(w.typed)} | "
            f"{_listed(w.chosen)} | {_listed(w.uploaded)} | "
            f"{'是' if w.signed else '—'} | {w.status} |"
        )
    assert len({w.category for w in walks}) >= 5
    effortless = [w for w in walks if not w.typed and not w.uploaded]
    assert sum(not w.uploaded for w in walks) > len(walks) / 2
    assert len(effortless) > len(walks) / 2, [
        (w.item, w.typed, w.uploaded) for w in walks
    ]
    assert all(len(w.uploaded) == 0 for w in effortless)
    decided = ("approved", "refused", "manual_review", "awaiting_materials")
    assert all(w.status in decided for w in walks)


def _listed(keys: list[str]) -> str:
    return f"{len(keys)} ({', '.join(keys)})" if keys else "0"
