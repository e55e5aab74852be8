"""秒批 through the API: approve, refuse on hard facts, manual when unsure."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from govcore import decisions
from govcore.clock import local_date, utcnow
from govcore.datahub.sandbox.generator_world import age_on
from govcore.datahub.sandbox.service import SandboxDataSource
from govcore.db import db
from govcore.decisions import Decision, ReviewTask
from govcore.rules.engine import compile_rules, evaluate, snapshot_digest
from tests.api.conftest import create_draft, dev_login


def apply(
    client, persona: str, item: str = "aged-allowance", down: set | None = None, **body
) -> dict:
    """Draft and submit; ``down`` sources stop answering after the draft."""
    auth = dev_login(client, persona)
    detail = create_draft(client, auth, item, **body)
    if down:
        client.application.extensions["miaopi.datasource"] = SandboxDataSource(
            unavailable=down
        )
    response = client.post(
        f"/api/v1/applications/{detail['id']}/submit",
        headers={**auth, "Idempotency-Key": f"{persona}-{item}"},
    )
    assert response.status_code == 200, response.json
    return response.json


def test_eligible_elder_is_approved_at_once_with_outputs(world, client) -> None:
    result = apply(client, "陈伯")
    assert result["status"] == "approved"
    decision = result["decision"]
    assert decision["outcome"] == "approve" and decision["automated"] is True
    assert decision["outputs"] == {"age_tier": "80-89周岁", "standard": "360元/年"}
    assert decision["explanation"] == []
    assert decision["rule_set"].startswith("aged-allowance@v1#")
    with world.app_context():
        stored = db.session.scalars(sa.select(Decision)).one()
        assert stored.snapshot_hash == snapshot_digest(stored.snapshot)
        assert stored.snapshot["person"]["HK"]["status"] == "ok"
        assert {c["id"] for c in stored.checks} >= {"age_80", "district"}
        assert all(c["status"] == "passed" for c in stored.checks)
        age = next(c for c in stored.checks if c["id"] == "age_80")
        born = date(1944, 1, 15)  # 陈伯, 440507194401150010
        assert age["comparisons"][0]["left"] == age_on(born, local_date(utcnow()))
        assert stored.latency_ms > 0


def test_hundred_year_old_gets_the_longevity_tier(world, client) -> None:
    result = apply(client, "沈德茂")
    assert result["decision"]["outputs"]["age_tier"] == "100周岁及以上"


def test_too_young_is_refused_with_an_explanation(world, client) -> None:
    result = apply(client, "李振华")
    assert result["status"] == "refused"
    decision = result["decision"]
    assert decision["outcome"] == "refuse"
    assert decision["can_request_review"] is True
    (reason,) = decision["explanation"]
    assert reason["check"] == "age_80"
    assert "80周岁" in reason["required"]
    assert "老年人权益保障法" in reason["basis"]
    assert reason["found"] == [
        {
            "path": "HK.birth_date",
            "value": "1952-10-20",
            "source": "户籍/人口库（公安）",
        }
    ]
    assert reason["next_step"]


def test_duplicate_benefit_is_refused(world, client) -> None:
    result = apply(client, "蔡婵娟")
    assert result["status"] == "refused"
    assert [e["check"] for e in result["decision"]["explanation"]] == ["no_duplicate"]


def test_a_source_down_goes_to_a_person_never_approved(world, client) -> None:
    result = apply(client, "陈伯", down={"SI"})
    assert result["status"] == "manual_review"
    decision = result["decision"]
    assert decision["outcome"] == "manual"
    (reason,) = decision["explanation"]
    assert reason["status"] == "unknown"
    assert reason["unavailable"] == ["社会保险（人社）"]
    with world.app_context():
        task = db.session.scalars(sa.select(ReviewTask)).one()
        assert task.kind == "manual_review" and task.status == "open"
        assert task.application.item_version.item.department.code == "lh-mz"


def test_household_register_down_does_not_refuse(world, client) -> None:
    result = apply(client, "李振华", down={"HK"})  # would be refused on age
    assert result["status"] == "manual_review"


def test_refused_applicant_can_ask_a_person(world, client) -> None:
    auth = dev_login(client, "李振华")
    detail = apply(client, "李振华")
    url = f"/api/v1/applications/{detail['id']}/review-request"
    response = client.post(url, json={"reason": "我的出生日期登记有误"}, headers=auth)
    assert response.status_code == 201, response.json
    assert response.json["kind"] == "applicant_request"
    after = client.get(f"/api/v1/applications/{detail['id']}", headers=auth).json
    assert after["status"] == "manual_review"
    again = client.post(url, json={"reason": "再次申请"}, headers=auth)
    assert again.status_code == 409

    with world.app_context():
        (task,) = decisions.open_tasks("lh-mz")
        decisions.review(
            task.public_id,
            staff_id="7",
            approve=True,
            reason="核实出生日期后批准",
            documents=world.extensions["miaopi.documents"],
            now=utcnow(),
        )
    final = client.get(f"/api/v1/applications/{detail['id']}", headers=auth).json
    assert final["status"] == "approved"
    assert final["decision"]["automated"] is False
    assert final["history"][-1]["actor"] == "staff:7"


def test_approved_applications_cannot_request_review(world, client) -> None:
    auth = dev_login(client, "陈伯")
    detail = apply(client, "陈伯")
    response = client.post(
        f"/api/v1/applications/{detail['id']}/review-request",
        json={"reason": "x"},
        headers=auth,
    )
    assert response.status_code == 409


def test_the_same_snapshot_and_version_give_the_same_decision(world, client) -> None:
    apply(client, "陈伯")
    apply(client, "李振华")
    with world.app_context():
        for stored in db.session.scalars(sa.select(Decision)):
            rules = compile_rules(stored.application.item_version.spec)
            assert rules.digest == stored.rule_digest
            again = evaluate(rules, stored.snapshot)
            assert again.outcome == stored.outcome
            assert [r.status for r in again.checks] == [
                c["status"] for c in stored.checks
            ]


def test_items_without_rules_never_approve(world, client) -> None:
    with world.app_context():
        from govcore.catalog import get_item_version
        from govcore.clock import local_date

        spec = get_item_version("aged-allowance", on=local_date(utcnow())).spec
        bare = compile_rules(spec.model_copy(update={"rules": None}))
        verdict = evaluate(bare, {"today": "2026-11-28"})
        assert verdict.outcome == "manual"
