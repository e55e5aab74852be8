"""Dry run: what would a new rule-set version decide differently?

Before a draft version is published, its rules are evaluated against the
stored snapshots of past automated decisions of the item and against people of
the sandbox population, next to the version in force. The report counts the
decisions that would flip (approve → refuse, approve → manual, …) with
examples. Nothing is written.

Caveats (printed with the report): a past snapshot holds only the sources the
old rules read, so a rule on a new source sees it as unavailable (→ manual);
population runs have no form values (rules on ``form.*`` see them empty).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from govcore.catalog import get_item_version
from govcore.catalog.models import Item, ItemVersion
from govcore.clock import local_date
from govcore.datahub import DataLookup, DataSource, SubjectDirectory
from govcore.db import db
from govcore.decisions.facts import person_snapshot
from govcore.decisions.models import Decision
from govcore.errors import NotFoundError
from govcore.applications.models import Application
from govcore.privacy import mask_id_number
from govcore.rules.engine import CompiledRules, compile_rules, evaluate

MAX_EXAMPLES = 3


@dataclass
class DryRunReport:
    current: str
    candidate: str
    past: int = 0
    population: int = 0
    flips: Counter[tuple[str, str]] = field(default_factory=Counter)
    examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def note(self, before: str, after: str, example: str) -> None:
        if before == after:
            return
        self.flips[(before, after)] += 1
        shown = self.examples.setdefault((before, after), [])
        if len(shown) < MAX_EXAMPLES:
            shown.append(example)

    def as_json(self) -> dict[str, Any]:
        """The report as plain data (kept with the draft it was made for)."""
        return {
            "current": self.current,
            "candidate": self.candidate,
            "past": self.past,
            "population": self.population,
            "flips": [
                {
                    "before": before,
                    "after": after,
                    "count": count,
                    "examples": self.examples[(before, after)],
                }
                for (before, after), count in sorted(self.flips.items())
            ],
        }


def dry_run(
    item_code: str,
    version: int,
    *,
    source: DataSource,
    directory: SubjectDirectory | None,
    now: datetime,
    people: int = 500,
) -> DryRunReport:
    """Compare ``version`` of ``item_code`` with the version in force."""
    current = get_item_version(item_code, on=local_date(now))
    candidate = db.session.scalar(
        sa.select(ItemVersion)
        .join(Item)
        .where(Item.code == item_code, ItemVersion.version == version)
    )
    if candidate is None:
        raise NotFoundError(
            f"事项 {item_code} 没有第 {version} 版（version not found）"
        )
    old, new = compile_rules(current.spec), compile_rules(candidate.spec)
    report = DryRunReport(old.label, new.label)
    _past(report, item_code, new)
    if directory is not None and people:
        _population(report, old, new, source, directory, now, people)
    return report


def _past(report: DryRunReport, item_code: str, new: CompiledRules) -> None:
    decisions = db.session.scalars(
        sa.select(Decision)
        .join(Application)
        .join(ItemVersion)
        .join(Item)
        .where(Item.code == item_code, Decision.automated.is_(True))
    )
    for decision in decisions:
        report.past += 1
        after = evaluate(new, decision.snapshot).outcome
        report.note(
            decision.outcome, after, f"办件 {decision.application.reference_no}"
        )


def _population(
    report: DryRunReport,
    old: CompiledRules,
    new: CompiledRules,
    source: DataSource,
    directory: SubjectDirectory,
    now: datetime,
    people: int,
) -> None:
    for id_number in directory.subjects("HK", limit=people):
        report.population += 1
        lookup = DataLookup(source, now=now)  # shared: each source asked once
        before = evaluate(old, person_snapshot(old, lookup, id_number, now=now))
        after = evaluate(new, person_snapshot(new, lookup, id_number, now=now))
        report.note(before.outcome, after.outcome, mask_id_number(id_number))
