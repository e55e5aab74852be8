"""Running an item's rule test cases (facts in, expected verdict out).

Like OpenFisca's YAML tests, cases ship with the item; ``make test`` runs them
all, and a published item whose cases fail is rejected when the catalogue is
loaded. Sources a case does not mention have no record; ``unavailable`` marks
a source that could not answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from govcore.catalog.schema import ItemDef
from govcore.datahub.fields import SCHEMA
from govcore.rules.engine import (
    CompiledRules,
    Verdict,
    compile_rules,
    evaluate,
    plain_json,
)
from govcore.rules.schema import CaseDef

DEFAULT_APPLICATION = {
    "kind": "person",
    "agent": False,
    "commitment_signed": False,
    "channel": "mobile",
    "owed_materials": 0,
    "previous": 0,
}


@dataclass(frozen=True)
class CaseFailure:
    index: int
    name: str
    message: str


def _subject_facts(facts: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for source in SCHEMA:
        value = facts.get(source)
        if value == "unavailable":
            out[source] = {"status": "unavailable"}
        elif value is None:
            out[source] = {"status": "no_record"}
        else:
            out[source] = {"status": "ok", "record_id": f"case-{source}",
                           "data": plain_json(value)}  # fmt: skip
    return out


def case_snapshot(case: CaseDef) -> dict[str, Any]:
    return {
        "today": case.today.isoformat(),
        "person": _subject_facts(case.facts),
        "organisation": _subject_facts(case.org_facts),
        "form": plain_json(case.form),
        "application": {**DEFAULT_APPLICATION, **plain_json(case.application)},
    }


def _mismatch(case: CaseDef, verdict: Verdict) -> str | None:
    expect = case.expect
    if verdict.outcome != expect.outcome:
        return (
            f"expected {expect.outcome}, got {verdict.outcome} "
            f"({'; '.join(verdict.reasons) or 'all checks passed'})"
        )
    if expect.failed is not None:
        failed = sorted(r.id for r in verdict.checks if r.status != "passed")
        if failed != sorted(expect.failed):
            return f"expected failed checks {sorted(expect.failed)}, got {failed}"
    for key, wanted in expect.outputs.items():
        got = verdict.outputs.get(key)
        if str(got) != str(wanted):
            return f"output {key}: expected {wanted!r}, got {got!r}"
    return None


def run_cases(item: ItemDef, rules: CompiledRules | None = None) -> list[CaseFailure]:
    """Run ``item``'s cases; return those that do not give what they expect."""
    if item.rules is None:
        return []
    rules = rules or compile_rules(item)
    failures = []
    for index, case in enumerate(item.rules.cases):
        problem = _mismatch(case, evaluate(rules, case_snapshot(case)))
        if problem:
            failures.append(CaseFailure(index, case.name, problem))
    return failures
