"""Compiling an item's rule set and deciding over a facts snapshot.

:func:`compile_rules` parses and type-checks every condition and output once;
:func:`evaluate` is a pure function of the compiled rule set and a snapshot
(the same snapshot and version always give the same verdict), fast enough to
run inside the submitting request.

A snapshot is plain JSON::

    {"today": "2026-11-28",
     "person": {"HK": {"status": "ok", "record_id": "HK-…", "data": {…}},
                "CA": {"status": "no_record"}, "SI": {"status": "unavailable"}},
     "organisation": {"MR": {…}},
     "form": {"phone": "…"}, "application": {"kind": "person", …}}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from govcore.catalog.schema import FieldType, ItemDef, MiaopiLevel
from govcore.datahub.fields import SCHEMA, is_organisation_path
from govcore.rules.checker import check
from govcore.rules.interpreter import UNKNOWN, Comparison, Interpreter, _get
from govcore.rules.language import Node, Path, RuleSyntaxError, iter_nodes, parse
from govcore.rules.schema import CheckDef, OutputDef

FORM_TYPES = {
    FieldType.INTEGER: "int",
    FieldType.DECIMAL: "number",
    FieldType.BOOLEAN: "bool",
    FieldType.DATE: "date",
}
APPLICATION_TYPE = {
    "kind": "str",  # person / organisation
    "agent": "bool",  # applied for by an agent (代办)
    "commitment_signed": "bool",
    "channel": "str",
    "owed_materials": "int",  # 容缺 materials still owed
    # this applicant's other applications for the item, pending or granted
    "previous": "int",
}


def roots_for(item: ItemDef) -> dict[str, Any]:
    """The names a rule of ``item`` may use, with their types."""
    form = {f.key: FORM_TYPES.get(f.type, "str") for f in item.form}
    return {**SCHEMA, "form": form, "application": APPLICATION_TYPE, "today": "date"}


@dataclass(frozen=True)
class CompiledCheck:
    spec: CheckDef
    node: Node


@dataclass(frozen=True)
class CompiledOutput:
    spec: OutputDef
    node: Node


@dataclass(frozen=True)
class CompiledRules:
    item_code: str
    item_version: int
    miaopi: MiaopiLevel
    manual_reason: str
    checks: tuple[CompiledCheck, ...]
    outputs: tuple[CompiledOutput, ...]
    sources: frozenset[tuple[str, str]]  # (subject kind, source) to fetch
    has_rules: bool
    digest: str  # of the rule set's text: the "rule-set version"
    proactive: Node | None = None  # 免申即享: who is granted without applying
    # result-document fields read from the facts: (key, expression)
    document_fields: tuple[tuple[str, Node], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.item_code}@v{self.item_version}#{self.digest[:12]}"


def compile_rules(item: ItemDef) -> CompiledRules:
    """Parse and check ``item``'s rules.

    :raise RuleSyntaxError: for the first bad expression; its ``where`` says
        which (``rules.checks.2.when`` …).
    """
    cached = _COMPILED.get(id(item))
    if cached is not None and cached[0] is item:
        return cached[1]
    compiled = _compile(item)
    if len(_COMPILED) > 512:
        _COMPILED.clear()
    _COMPILED[id(item)] = (item, compiled)  # the item is kept: its id stays unique
    return compiled


_COMPILED: dict[int, tuple[ItemDef, CompiledRules]] = {}


def _compile(item: ItemDef) -> CompiledRules:
    roots = roots_for(item)
    rules = item.rules
    checks, outputs = [], []
    for i, spec in enumerate(rules.checks if rules else []):
        checks.append(
            CompiledCheck(spec, _checked(spec.when, roots, f"checks.{i}.when"))
        )
    for i, out in enumerate(rules.outputs if rules else []):
        outputs.append(
            CompiledOutput(out, _checked(out.expr, roots, f"outputs.{i}.expr"))
        )
    proactive = (
        _checked(rules.proactive, roots, "proactive.when")
        if rules and rules.proactive
        else None
    )
    document = tuple(
        (f.key, _checked(f.value, roots, f"fields.{i}.value", prefix="result"))
        for i, f in enumerate(item.result.fields)
        if f.value
    )
    nodes = [c.node for c in checks] + [o.node for o in outputs]
    nodes += [proactive] if proactive else []
    nodes += [node for _, node in document]
    return CompiledRules(
        item_code=item.code,
        item_version=item.version,
        miaopi=item.reform.miaopi,
        manual_reason=item.reform.no_miaopi_reason,
        checks=tuple(checks),
        outputs=tuple(outputs),
        sources=frozenset(sources_of(nodes)),
        has_rules=rules is not None,
        proactive=proactive,
        document_fields=document,
        digest=hashlib.sha256(
            (rules.model_dump_json() if rules else "").encode()
        ).hexdigest(),
    )


def _checked(
    text: str, roots: dict[str, Any], where: str, prefix: str = "rules"
) -> Node:
    try:
        node = parse(text)
        result = check(text, node, roots)
        if where.endswith(".when") and result not in ("bool", "any"):
            raise RuleSyntaxError("条件的结果应为是/否", 0, text)
    except RuleSyntaxError as exc:
        exc.field = f"{prefix}.{where}"
        raise
    return node


def sources_of(nodes: list[Node]) -> set[tuple[str, str]]:
    found = set()
    for root in nodes:
        for node in iter_nodes(root):
            if isinstance(node, Path) and not node.local and node.parts[0] in SCHEMA:
                subject = (
                    "organisation"
                    if is_organisation_path(node.text + ".")
                    else "person"
                )
                found.add((subject, node.parts[0]))
    return found


# --------------------------------------------------------------------- verdict


@dataclass
class CheckResult:
    id: str
    outcome: str  # what failing means: refuse / manual
    status: str  # passed, failed, unknown
    decisive: bool  # a failure that decides (a refusal on present data)
    message: str
    basis: str
    next_step: str
    reason_code: str | None
    comparisons: list[Comparison]
    values: dict[str, Any]
    unknown_paths: list[str]


@dataclass
class Verdict:
    outcome: str  # approve, refuse, manual
    checks: list[CheckResult]
    outputs: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)  # why manual / refused


def resolver(snapshot: dict[str, Any]):  # type: ignore[no-untyped-def]
    """Read top-level paths from a snapshot (see the module docstring)."""

    def resolve(parts: tuple[str, ...]) -> Any:
        head = parts[0]
        if head == "today":
            return snapshot["today"]
        if head in ("form", "application"):
            value: Any = snapshot.get(head, {})
            for part in parts[1:]:
                value = _get(value, part)
            return value
        subject = (
            "organisation"
            if is_organisation_path(".".join(parts) + ".")
            else ("person")
        )
        facts = snapshot.get(subject, {}).get(head)
        if facts is None or facts.get("status") == "unavailable":
            return UNKNOWN  # never fetched, or could not be: fail closed
        if facts.get("status") == "no_record":
            return None
        value = facts.get("data", {})
        for part in parts[1:]:
            value = _get(value, part)
        return value

    return resolve


def evaluate(rules: CompiledRules, snapshot: dict[str, Any]) -> Verdict:
    """Decide over ``snapshot``: approve, refuse (hard facts only) or manual."""
    today = date.fromisoformat(snapshot["today"])
    resolve = resolver(snapshot)
    results = [_run_check(c, resolve, today) for c in rules.checks]
    verdict = Verdict("approve", results)
    refusals = [r for r in results if r.status == "failed" and r.decisive]
    if not rules.has_rules:
        verdict.outcome = "manual"
        verdict.reasons.append("本事项尚未配置审批规则，转人工审核")
        return verdict
    if rules.miaopi is MiaopiLevel.NO:
        verdict.outcome = "manual"
        verdict.reasons.append(rules.manual_reason or "本事项需人工审核")
        return verdict
    if refusals:
        verdict.outcome = "refuse"
        verdict.reasons = [r.message for r in refusals]
        return verdict
    undecided = [r for r in results if r.status != "passed"]
    if undecided:
        verdict.outcome = "manual"
        verdict.reasons = [_manual_reason(r) for r in undecided]
        return verdict
    for output in rules.outputs:
        value = Interpreter(resolve, today).run(output.node)
        if value is UNKNOWN or value is None:
            verdict.outcome = "manual"
            verdict.reasons.append(f"无法计算“{output.spec.label}”")
        else:
            verdict.outputs[output.spec.key] = value
    return verdict


def proactive_match(rules: CompiledRules, snapshot: dict[str, Any]) -> bool:
    """Whether the person of ``snapshot`` is in the item's 免申即享 group."""
    if rules.proactive is None:
        return False
    today = date.fromisoformat(snapshot["today"])
    return Interpreter(resolver(snapshot), today).run(rules.proactive) is True


def _run_check(check_: CompiledCheck, resolve: Any, today: date) -> CheckResult:
    interpreter = Interpreter(resolve, today)
    value = interpreter.run(check_.node)
    trace = interpreter.trace
    status = (
        "unknown"
        if value is UNKNOWN or value is None
        else ("passed" if value else "failed")
    )
    spec = check_.spec
    return CheckResult(
        id=spec.id,
        outcome=spec.outcome,
        status=status,
        # Refuse only on present data: a failure that read an absent value
        # (no record, empty field) goes to a person instead.
        decisive=spec.outcome == "refuse" and status == "failed" and not trace.missing,
        message=spec.message,
        basis=spec.basis,
        next_step=spec.next_step,
        reason_code=spec.reason_code,
        comparisons=trace.comparisons,
        values=trace.values,
        unknown_paths=trace.unknown_paths,
    )


def _manual_reason(result: CheckResult) -> str:
    if result.status == "unknown":
        sources = sorted({p.split(".")[0] for p in result.unknown_paths})
        detail = f"（{'、'.join(sources)} 数据暂时无法获取）" if sources else ""
        return f"无法核实：{result.message}{detail}"
    return result.message


def plain_json(value: Any) -> Any:
    """A value as a snapshot holds it: plain JSON (dates as ISO strings)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def snapshot_digest(snapshot: dict[str, Any]) -> str:
    """The SHA-256 of a snapshot's canonical JSON."""
    canonical = json.dumps(
        snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
