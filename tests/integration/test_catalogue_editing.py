"""Changing an item: a draft checked line by line, its cases, a dry run of the
very content published, publication with a date and reason, and the history."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from govcore import catalog
from govcore.audit import AuditEvent
from govcore.catalog import editing
from govcore.catalog.models import Item, ItemVersion
from govcore.clock import local_date, utcnow
from govcore.db import db
from govcore.errors import NotFoundError, ValidationError
from tests.api.conftest import dev_login

STRICTER = "when: age(HK.birth_date) >= 80"


def _aged(app: Flask) -> Item:
    return db.session.scalar(sa.select(Item).where(Item.code == "aged-allowance"))


def _dry_run(report_past: int = 0) -> dict:
    return {
        "current": "v1",
        "candidate": "v2",
        "past": report_past,
        "population": 0,
        "flips": [],
    }


def test_a_draft_copies_the_newest_version_and_only_one_exists(world) -> None:
    with world.app_context():
        now = utcnow()
        draft = editing.start_draft("aged-allowance", actor="staff:1", now=now)
        again = editing.start_draft("aged-allowance", actor="staff:2", now=now)
        assert again.id == draft.id and draft.version == 2
        assert draft.status is catalog.VersionStatus.DRAFT
        assert draft.created_by == "staff:1"
        assert draft.definition["rules"] == _aged(world).versions[0].definition["rules"]
        # The version in force is still the first.
        assert (
            catalog.get_item_version("aged-allowance", on=local_date(now)).version == 1
        )
        assert editing.items_with_drafts() == {"aged-allowance"}


def test_saving_reports_every_problem_at_its_line_and_keeps_the_stored_draft(
    world,
) -> None:
    with world.app_context():
        now = utcnow()
        draft = editing.start_draft("aged-allowance", actor="staff:1", now=now)
        stored_hash = draft.content_hash
        text = editing.as_yaml(draft)
        lines = text.splitlines()
        broken = (
            text.replace("version: 2", "version: 7", 1)
            .replace("when: HK.status == 'NORMAL'", "when: HK.status === 'NORMAL'", 1)
            .replace("category: GF", "category: XX", 1)
        )
        with pytest.raises(editing.DraftInvalid) as caught:
            editing.save_draft("aged-allowance", broken, actor="staff:1", now=now)
        problems = {p.field: p for p in caught.value.problems}
        assert problems["version"].line == 2
        assert problems["category"].line == next(
            i + 1 for i, line in enumerate(lines) if line.startswith("category:")
        )
        db.session.rollback()
        assert db.session.get(ItemVersion, draft.id).content_hash == stored_hash
        # The rule error is found once the schema is right, at the check's line.
        with pytest.raises(editing.DraftInvalid) as caught:
            editing.save_draft(
                "aged-allowance",
                text.replace(
                    "when: HK.status == 'NORMAL'", "when: HK.status === 'NORMAL'", 1
                ),
                actor="staff:1",
                now=now,
            )
        (problem,) = caught.value.problems
        assert problem.field.startswith("rules.checks.0")
        assert lines[problem.line - 1].strip() == "when: HK.status == 'NORMAL'"
        with pytest.raises(editing.DraftInvalid) as caught:
            editing.save_draft(
                "aged-allowance", "code: x\nversion: 2\nname: a: b", actor="s", now=now
            )
        (problem,) = caught.value.problems
        assert problem.message.startswith("不是有效的 YAML") and problem.line == 3


def test_publish_needs_passing_cases_a_dry_run_of_this_content_and_a_reason(
    world,
) -> None:
    with world.app_context():
        now = utcnow()
        today = local_date(now)
        draft = editing.start_draft("aged-allowance", actor="staff:1", now=now)
        text = editing.as_yaml(draft).replace(
            STRICTER, "when: age(HK.birth_date) >= 85"
        )
        editing.save_draft("aged-allowance", text, actor="staff:1", now=now)
        results = editing.run_cases(draft)
        assert results and not all(r.passed for r in results)  # an 82-year-old
        kwargs = dict(effective_from=today, reason="政策变化", note="", now=now)
        with pytest.raises(ValidationError, match="试运行"):
            editing.publish("aged-allowance", actor="staff:1", **kwargs)
        editing.record_dry_run("aged-allowance", _dry_run(), actor="staff:1", now=now)
        with pytest.raises(ValidationError, match="测试用例未全部通过"):
            editing.publish("aged-allowance", actor="staff:1", **kwargs)
        db.session.rollback()
        # Back to the rule in force: cases pass, but the dry run was of the
        # other content, so it must be made again.
        editing.save_draft(
            "aged-allowance", text.replace(">= 85", ">= 80"), actor="staff:1", now=now
        )
        assert all(r.passed for r in editing.run_cases(draft))
        with pytest.raises(ValidationError, match="试运行"):
            editing.publish("aged-allowance", actor="staff:1", **kwargs)
        editing.record_dry_run("aged-allowance", _dry_run(), actor="staff:1", now=now)
        for bad, message in (
            (dict(kwargs, effective_from=today - timedelta(days=1)), "不能早于今天"),
            (dict(kwargs, reason="心情"), "请选择调整原因"),
            (dict(kwargs, reason="其他"), "须写明说明"),
        ):
            with pytest.raises(ValidationError, match=message):
                editing.publish("aged-allowance", actor="staff:1", **bad)
            db.session.rollback()


def test_publishing_ends_the_version_in_force_and_keeps_the_history(world) -> None:
    with world.app_context():
        now = utcnow()
        today = local_date(now)
        later = today + timedelta(days=10)
        draft = editing.start_draft("aged-allowance", actor="staff:1", now=now)
        text = editing.as_yaml(draft).replace("miaobao: true", "miaobao: false", 1)
        editing.save_draft("aged-allowance", text, actor="staff:1", now=now)
        editing.record_dry_run("aged-allowance", _dry_run(), actor="staff:1", now=now)
        published = editing.publish(
            "aged-allowance",
            effective_from=later,
            reason="政策变化",
            note="试行调整",
            actor="staff:9",
            now=now,
        )
        first, second = sorted(_aged(world).versions, key=lambda v: v.version)
        assert second.id == published.id
        assert second.status is catalog.VersionStatus.PUBLISHED
        assert (second.effective_from, second.published_by) == (later, "staff:9")
        assert (second.change_reason, second.change_note) == ("政策变化", "试行调整")
        assert first.effective_to == later  # still in force until then
        assert catalog.get_item_version("aged-allowance", on=today).version == 1
        assert catalog.get_item_version("aged-allowance", on=later).version == 2
        assert editing.changes(None, first) == ["新增事项"]
        assert editing.changes(first, second) == ["秒报：是 → 否"]
        actions = list(
            db.session.scalars(
                sa.select(AuditEvent.action).where(
                    AuditEvent.target == "item:aged-allowance"
                )
            )
        )
        assert actions == [
            "catalogue_draft_started",
            "catalogue_draft_saved",
            "catalogue_dry_run",
            "catalogue_published",
        ]
        # A published version cannot be published or edited as a draft again.
        with pytest.raises(NotFoundError, match="没有草稿"):
            editing.save_draft("aged-allowance", text, actor="staff:1", now=now)


def test_a_dry_run_of_a_stricter_draft_counts_the_flips(world, client) -> None:
    from govcore.decisions.dry_run import dry_run

    auth = dev_login(client, "陈伯")
    draft_app = client.post(
        "/api/v1/applications", json={"item_code": "aged-allowance"}, headers=auth
    ).json
    client.post(
        f"/api/v1/applications/{draft_app['id']}/submit",
        headers={**auth, "Idempotency-Key": "dry"},
    )
    with world.app_context():
        now = utcnow()
        draft = editing.start_draft("aged-allowance", actor="staff:1", now=now)
        text = editing.as_yaml(draft).replace(
            STRICTER, "when: age(HK.birth_date) >= 85"
        )
        editing.save_draft("aged-allowance", text, actor="staff:1", now=now)
        source = world.extensions["miaopi.datasource"]
        report = dry_run("aged-allowance", 2, source=source, directory=None, now=now)
        saved = editing.record_dry_run(
            "aged-allowance", report.as_json(), actor="staff:1", now=now
        )
        assert saved.dry_run["hash"] == saved.content_hash
        assert saved.dry_run["past"] == 1
        (flip,) = saved.dry_run["flips"]  # 陈伯 is 82
        assert (flip["before"], flip["after"], flip["count"]) == (
            "approve",
            "refuse",
            1,
        )
        assert flip["examples"][0].startswith("办件 LH")
