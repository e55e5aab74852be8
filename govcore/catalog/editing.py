"""Changing an item in the console: a draft, checked, dry-run, then published.

An item has at most one draft: a new version (the highest number plus one)
whose definition is edited as the same YAML the catalogue files hold. Saving
checks it exactly as ``flask catalog load`` would (schema, references, rules
compile) and answers every problem with its line, so nothing invalid is ever
stored. Before publishing, the item's test cases must pass and a dry run
(:mod:`govcore.decisions.dry_run`) must have been made of the very content
being published; publishing fixes the effective date, the reason for the
change (the 动态调整情况表 reads it) and who published it. A published
version never changes; the version in force before it ends on the new
version's effective date.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import yaml
from pydantic import ValidationError as PydanticValidationError

from govcore import audit
from govcore.catalog.files import check_references
from govcore.catalog.models import Department, Item, ItemVersion
from govcore.catalog.schema import ItemDef, VersionStatus
from govcore.catalog.service import content_hash, fill_version
from govcore.clock import local_date
from govcore.db import db
from govcore.errors import NotFoundError, ValidationError

# Why an item changed (catalog.md §1.5, 调整原因), and "other" with a note.
CHANGE_REASONS = ("政策变化", "法规修订", "数据接口停用", "差错率", "流程优化", "其他")
MAX_YAML = 200_000  # characters; the largest item file is about 12 000

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class DraftProblem:
    """One problem of a draft: the field's path, its line (if found) and why."""

    field: str
    line: int | None
    message: str


class DraftInvalid(ValidationError):
    """The draft text has problems; ``problems`` lists every one."""

    code = "invalid_draft"

    def __init__(self, problems: list[DraftProblem]) -> None:
        super().__init__(f"草稿有 {len(problems)} 处问题，未保存（draft not saved）")
        self.problems = problems


@dataclass(frozen=True)
class CaseResult:
    name: str
    passed: bool
    message: str


def item_with_versions(code: str) -> Item:
    """:raise NotFoundError: for an unknown item code."""
    item = db.session.scalar(sa.select(Item).where(Item.code == code))
    if item is None:
        raise NotFoundError(f"事项 {code} 不存在（item not found）")
    return item


def items_with_drafts() -> set[str]:
    return set(
        db.session.scalars(
            sa.select(Item.code)
            .join(ItemVersion)
            .where(ItemVersion.status == VersionStatus.DRAFT)
        )
    )


def draft_of(item: Item) -> ItemVersion | None:
    return next((v for v in item.versions if v.status is VersionStatus.DRAFT), None)


def as_yaml(version: ItemVersion) -> str:
    """The version's definition as catalogue-file YAML (defaults left out)."""
    data = version.spec.model_dump(mode="json", exclude_defaults=True)
    data = {"code": data.pop("code"), "version": data.pop("version"), **data}
    return yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100
    )


class _Dumper(yaml.SafeDumper):
    """Writes text with line breaks as a literal block (``|``), as people do."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def start_draft(code: str, *, actor: str, now: datetime) -> ItemVersion:
    """The item's draft: the existing one, or a copy of its newest version.

    Commits when a draft is made.
    """
    item = item_with_versions(code)
    draft = draft_of(item)
    if draft is not None:
        return draft
    latest = max(item.versions, key=lambda v: v.version)
    definition = copy.deepcopy(latest.definition)
    definition.update(
        version=latest.version + 1,
        status=VersionStatus.DRAFT.value,
        effective_from=max(local_date(now), latest.effective_from).isoformat(),
        effective_to=None,
    )
    draft = ItemVersion(item=item, version=latest.version + 1, created_by=actor)
    fill_version(draft, ItemDef.model_validate(definition), now=now)
    db.session.add(draft)
    audit.record_event(
        "catalogue_draft_started",
        actor=actor,
        at=now,
        target=f"item:{code}",
        details={"version": draft.version, "from": latest.version},
    )
    db.session.commit()
    return draft


def save_draft(code: str, text: str, *, actor: str, now: datetime) -> ItemVersion:
    """Replace the draft's definition with ``text`` if it is valid; commits.

    :raise DraftInvalid: listing every problem with its line; nothing is saved.
    :raise NotFoundError: if the item has no draft.
    """
    draft = _locked_draft(code)
    item_def = parse_draft(text, draft)
    if content_hash(item_def) != draft.content_hash:
        fill_version(draft, item_def, now=now)
        draft.dry_run = None  # made for other content
        audit.record_event(
            "catalogue_draft_saved",
            actor=actor,
            at=now,
            target=f"item:{code}",
            details={"version": draft.version, "hash": draft.content_hash[:16]},
        )
    db.session.commit()
    return draft


def parse_draft(text: str, draft: ItemVersion) -> ItemDef:
    """Check ``text`` as the definition of ``draft``.

    :raise DraftInvalid: listing every problem found.
    """
    if len(text) > MAX_YAML:
        raise DraftInvalid([DraftProblem("-", None, "内容过长（超过 20 万字符）")])
    try:
        node = yaml.compose(text, Loader=_SafeLoader)
        raw = yaml.load(text, Loader=_SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise DraftInvalid(
            [
                DraftProblem(
                    "-", line, f"不是有效的 YAML：{getattr(exc, 'problem', exc)}"
                )
            ]
        ) from None
    if not isinstance(raw, dict):
        raise DraftInvalid([DraftProblem("-", 1, "内容须是一个事项定义（键: 值）")])
    problems = [
        DraftProblem(key, _line_of(node, key), message)
        for key, wanted, message in (
            ("code", draft.item.code, f"事项编码须为 {draft.item.code}，不能修改"),
            ("version", draft.version, f"版本号须为 {draft.version}，不能修改"),
            ("status", "draft", "草稿的状态须为 draft；发布请用“发布”按钮"),
        )
        if raw.get(key, "draft" if key == "status" else None) != wanted
    ]
    try:
        item_def = ItemDef.model_validate(raw)
    except PydanticValidationError as exc:
        for err in exc.errors():
            path = ".".join(str(part) for part in err["loc"]) or "-"
            message = "未知字段" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(DraftProblem(path, _line_of(node, path), message))
        raise DraftInvalid(problems) from None
    departments = set(db.session.scalars(sa.select(Department.code)))
    for problem in check_references(item_def, departments, "draft"):
        problems.append(
            DraftProblem(problem.field, _line_of(node, problem.field), problem.message)
        )
    if problems:
        raise DraftInvalid(problems)
    return item_def


def run_cases(version: ItemVersion) -> list[CaseResult]:
    """Run the version's rule test cases; one result per case."""
    from govcore.rules.cases import run_cases as failures_of

    spec = version.spec
    failed = {f.index: f.message for f in failures_of(spec)}
    cases = spec.rules.cases if spec.rules else []
    return [
        CaseResult(case.name, i not in failed, failed.get(i, "通过"))
        for i, case in enumerate(cases)
    ]


def record_dry_run(
    code: str, report: dict[str, Any], *, actor: str, now: datetime
) -> ItemVersion:
    """Keep the dry run's figures with the draft they were made for; commits."""
    draft = _locked_draft(code)
    draft.dry_run = {
        **report,
        "hash": draft.content_hash,
        "at": now.isoformat(),
        "by": actor,
    }
    audit.record_event(
        "catalogue_dry_run",
        actor=actor,
        at=now,
        target=f"item:{code}",
        details={
            "version": draft.version,
            "past": report["past"],
            "flips": sum(f["count"] for f in report["flips"]),
        },
    )
    db.session.commit()
    return draft


def publish(
    code: str,
    *,
    effective_from: date,
    reason: str,
    note: str,
    actor: str,
    now: datetime,
) -> ItemVersion:
    """Publish the item's draft from ``effective_from``; commits.

    :raise ValidationError: a past date or one not after the newest published
        version's, an unknown reason, "其他" without a note, failing cases,
        or no dry run of this content.
    """
    draft = _locked_draft(code)
    today = local_date(now)
    note = note.strip()
    if effective_from < today:
        raise ValidationError("生效日期不能早于今天", field="effective_from")
    published = [v for v in draft.item.versions if v.status is not VersionStatus.DRAFT]
    latest = max(published, key=lambda v: v.version, default=None)
    if latest is not None and effective_from <= latest.effective_from:
        raise ValidationError(
            f"生效日期须晚于第 {latest.version} 版的生效日期 {latest.effective_from}",
            field="effective_from",
        )
    if reason not in CHANGE_REASONS:
        raise ValidationError(
            f"请选择调整原因（{'、'.join(CHANGE_REASONS)}）", field="reason"
        )
    if reason == "其他" and not note or len(note) > 300:
        raise ValidationError("调整原因为“其他”时须写明说明（300字以内）", field="note")
    if not draft.dry_run or draft.dry_run.get("hash") != draft.content_hash:
        raise ValidationError(
            "发布前须对当前草稿内容进行试运行（dry run）", field="dry_run"
        )
    definition = {
        **draft.definition,
        "status": VersionStatus.PUBLISHED.value,
        "effective_from": effective_from.isoformat(),
    }
    item_def = ItemDef.model_validate(definition)
    failing = check_references(item_def, {item_def.department}, "draft")
    if failing:
        raise ValidationError(
            "规则测试用例未全部通过，不能发布："
            + "；".join(p.message for p in failing),
            field="rules",
        )
    fill_version(draft, item_def, now=now)
    draft.published_at, draft.published_by = now, actor
    draft.change_reason, draft.change_note = reason, note
    for older in published:
        if older.effective_to is None or older.effective_to > effective_from:
            older.effective_to = effective_from
        if older.effective_to <= today:
            older.status = VersionStatus.RETIRED
    audit.record_event(
        "catalogue_published",
        actor=actor,
        at=now,
        target=f"item:{code}",
        details={
            "version": draft.version,
            "effective_from": effective_from.isoformat(),
            "reason": reason,
            "hash": draft.content_hash[:16],
        },
    )
    db.session.commit()
    return draft


def discard_draft(code: str, *, actor: str, now: datetime) -> None:
    """Delete the item's draft; commits."""
    draft = _locked_draft(code)
    db.session.delete(draft)
    audit.record_event(
        "catalogue_draft_discarded",
        actor=actor,
        at=now,
        target=f"item:{code}",
        details={"version": draft.version},
    )
    db.session.commit()


def _locked_draft(code: str) -> ItemVersion:
    draft = db.session.scalar(
        sa.select(ItemVersion)
        .join(Item)
        .where(Item.code == code, ItemVersion.status == VersionStatus.DRAFT)
        .with_for_update()
    )
    if draft is None:
        item_with_versions(code)  # an unknown item says so
        raise NotFoundError(f"事项 {code} 没有草稿（no draft）")
    return draft


def _line_of(node: yaml.Node | None, path: str) -> int | None:
    """The line (1-based) of ``path`` ("rules.checks.2.when") in the YAML,
    or of the nearest enclosing key that exists."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in path.split("."):
        if isinstance(node, yaml.MappingNode):
            found = next(
                ((k, v) for k, v in node.value if getattr(k, "value", None) == part),
                None,
            )
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit():
            if int(part) >= len(node.value):
                break
            node = node.value[int(part)]
            line = node.start_mark.line + 1
        else:
            break
    return line


FIELD_LABELS = {
    "name": "事项名称",
    "reform": "秒报/秒批设置",
    "rules": "判定规则",
    "rule_text": "规则说明",
    "form": "申请表单",
    "materials": "申请材料",
    "limits": "办理时限",
    "fee": "收费",
    "channels": "办理渠道",
    "conditions": "受理条件",
    "legal_basis": "设定依据",
    "commitment": "告知承诺",
    "tolerance": "容缺受理",
    "result": "结果文书",
    "data_sources": "共享数据来源",
    "department": "实施部门",
    "refusal_codes": "不予办理理由",
}
_NOT_CONTENT = {"version", "status", "effective_from", "effective_to"}
_FLAGS = {"miaobao", "miaopi", "proactive"}


def changes(older: ItemVersion | None, newer: ItemVersion) -> list[str]:
    """What ``newer`` changed against ``older``, in words (新增 for the first)."""
    if older is None:
        return ["新增事项"]
    before, after = older.definition, newer.definition
    out = []
    for flag, label, words in (
        ("miaobao", "秒报", {True: "是", False: "否"}),
        ("miaopi", "秒批", {"Y": "是", "PARTIAL": "部分", "N": "否"}),
        ("proactive", "免申即享", {True: "是", False: "否"}),
    ):
        old, new = before["reform"].get(flag), after["reform"].get(flag)
        if old != new:
            out.append(f"{label}：{words.get(old, old)} → {words.get(new, new)}")
    order = list(FIELD_LABELS)
    for key in sorted(
        set(before) | set(after),
        key=lambda k: (order.index(k) if k in order else len(order), k),
    ):
        if key in _NOT_CONTENT or before.get(key) == after.get(key):
            continue
        if key == "reform":
            rest = {k: v for k, v in after[key].items() if k not in _FLAGS}
            if rest == {k: v for k, v in before[key].items() if k not in _FLAGS}:
                continue
        out.append(f"{FIELD_LABELS.get(key, key)}有修改")
    return out or ["内容未变（仅日期）"]
