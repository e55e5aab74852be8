"""Properties of verdicts over random facts (hypothesis)."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from govcore.catalog import read_catalog
from govcore.rules.engine import compile_rules, evaluate

ITEMS = {
    i.code: i
    for i in read_catalog(Path(__file__).resolve().parents[2] / "catalog").items
}
AGED = compile_rules(ITEMS["aged-allowance"])

maybe = st.one_of(st.none(), st.just("unavailable"))
status = st.sampled_from(["NORMAL", "CANCELLED_DEATH", "MOVED_OUT", None])
facts = st.fixed_dictionaries(
    {
        "HK": st.one_of(
            maybe,
            st.fixed_dictionaries(
                {
                    "status": status,
                    "district_code": st.sampled_from(["440507", "440511", None]),
                    "birth_date": st.one_of(
                        st.none(),
                        st.dates(date(1900, 1, 1), date(2026, 11, 28)).map(str),
                    ),
                }
            ),
        ),
        "SI": st.one_of(
            maybe,
            st.fixed_dictionaries(
                {"card": st.fixed_dictionaries(
                    {"account_verified": st.one_of(st.none(), st.booleans())})}
            ),
        ),
        "CA": st.one_of(
            maybe,
            st.fixed_dictionaries(
                {"aged_allowance": st.one_of(st.none(), st.fixed_dictionaries(
                    {"status": st.sampled_from(["ACTIVE", "PENDING", "STOPPED"])})),
                 "death_record": st.one_of(st.none(), st.just({"date": "2025-01-01"}))}
            ),
        ),
    }
)  # fmt: skip


def snapshot(person: dict) -> dict:
    def wrap(value):
        if value == "unavailable":
            return {"status": "unavailable"}
        if value is None:
            return {"status": "no_record"}
        return {"status": "ok", "record_id": "r", "data": value}

    return {
        "today": "2026-11-28",
        "person": {k: wrap(v) for k, v in person.items()},
        "organisation": {},
        "form": {},
        "application": {"kind": "person", "agent": False, "commitment_signed": False,
                        "channel": "mobile", "owed_materials": 0, "previous": 0},
    }  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(facts)
def test_same_facts_same_version_same_verdict(person) -> None:
    first = evaluate(AGED, snapshot(person))
    second = evaluate(AGED, copy.deepcopy(snapshot(person)))
    assert first.outcome == second.outcome
    assert first.outputs == second.outputs
    assert [r.status for r in first.checks] == [r.status for r in second.checks]


@settings(max_examples=300, deadline=None)
@given(facts)
def test_never_approves_without_all_sources(person) -> None:
    verdict = evaluate(AGED, snapshot(person))
    if "unavailable" in person.values() or None in (person["HK"], person["SI"]):
        assert verdict.outcome != "approve"


@settings(max_examples=300, deadline=None)
@given(facts)
def test_refusals_rest_on_present_data(person) -> None:
    verdict = evaluate(AGED, snapshot(person))
    if verdict.outcome == "refuse":
        decisive = [r for r in verdict.checks if r.decisive]
        assert decisive and all(r.status == "failed" for r in decisive)
        assert all(not r.unknown_paths for r in decisive)
