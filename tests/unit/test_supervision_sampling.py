"""事后监管 without a database: the draw, the rates and the age of an organisation."""

from __future__ import annotations

from datetime import date

import pytest

from govcore.errors import ValidationError
from govcore.supervision.risks import _months_before, _new_organisation
from govcore.supervision.sampling import (
    ITEM_RATES,
    Rates,
    SamplingPolicy,
    draw,
)


def test_a_draw_is_a_fraction_fixed_by_seed_and_application() -> None:
    values = [draw("seed", f"app-{i}") for i in range(2000)]
    assert all(0 <= v < 1 for v in values)
    assert values == [draw("seed", f"app-{i}") for i in range(2000)]
    assert values != [draw("other", f"app-{i}") for i in range(2000)]
    # Uniform enough that a rate of 0.2 draws about a fifth.
    assert 0.17 < sum(v < 0.2 for v in values) / len(values) < 0.23


def test_a_flagged_approval_gets_the_risk_rate() -> None:
    policy = SamplingPolicy(Rates(0.2, 1.0), items={"x": Rates(0.5, 0.9)})
    assert policy.rate("other", []) == 0.2
    assert policy.rate("other", ["agent"]) == 1.0
    assert policy.rate("x", []) == 0.5 and policy.rate("x", ["tolerance"]) == 0.9


def test_the_policy_comes_from_config_and_survives_json() -> None:
    policy = SamplingPolicy.from_config(
        {
            "SUPERVISION_BASE_RATE": "0.1",
            "SUPERVISION_ITEM_RATES": {"temporary-relief": {"base": 0.3, "risk": 1}},
        }
    )
    assert policy.default == Rates(0.1, 1.0)
    assert policy.items["temporary-relief"] == Rates(0.3, 1)
    assert set(ITEM_RATES) <= set(policy.items)
    assert SamplingPolicy.from_json(policy.as_json()) == policy


@pytest.mark.parametrize("rates", [(-0.1, 1.0), (0.2, 1.5)])
def test_a_rate_outside_zero_to_one_is_refused(rates) -> None:
    with pytest.raises(ValidationError):
        Rates(*rates)


@pytest.mark.parametrize(
    ("day", "before"),
    [
        (date(2026, 11, 28), date(2026, 5, 28)),
        (date(2026, 8, 31), date(2026, 2, 28)),
        (date(2026, 3, 15), date(2025, 9, 15)),
    ],
)
def test_six_months_before(day, before) -> None:
    assert _months_before(day, 6) == before


def test_an_organisation_younger_than_six_months_is_a_risk() -> None:
    def snapshot(established: str) -> dict:
        entity = {"established_on": established}
        return {"organisation": {"MR": {"status": "ok", "data": {"entity": entity}}}}

    approved = date(2026, 11, 28)
    assert _new_organisation([snapshot("2026-06-01")], approved)
    assert not _new_organisation([snapshot("2026-05-28")], approved)
    assert not _new_organisation([{"organisation": {}}, {}], approved)
