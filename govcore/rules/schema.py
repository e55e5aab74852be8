"""The rule-set file format: checks, computed outputs and test cases.

A rule set lives in its item's catalogue file under ``rules:`` and is versioned
with the item. Each check is a condition that must hold; when it does not, its
``outcome`` applies: ``refuse`` (only on hard data facts, with a reason code of
the item's ``refusal_codes``) or ``manual`` (a person decides). Whether the
item may approve on its own follows from ``reform.miaopi`` (Y, PARTIAL: the
checks of outcome ``manual`` are its ``auto_ok`` branch; N: always a person).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
Text = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class CheckDef(_Strict):
    id: Key
    when: Text  # the condition that must hold
    outcome: Literal["refuse", "manual"]
    reason_code: Annotated[str, Field(pattern=r"^R(1[01]|[1-9])$")] | None = None
    basis: Text  # the legal basis named to the applicant, e.g. 《…》第…条
    message: Text  # plain Chinese: what was required
    next_step: str = ""  # what to do now: which counter, how to correct data

    @model_validator(mode="after")
    def _refusal_has_code(self) -> CheckDef:
        if self.outcome == "refuse" and not self.reason_code:
            raise ValueError("a refuse check needs a reason_code (R1-R11)")
        return self


class OutputDef(_Strict):
    key: Key
    label: Text
    expr: Text


class CaseExpect(_Strict):
    outcome: Literal["approve", "refuse", "manual"]
    failed: list[Key] | None = None  # check ids that fail or are unknown, if given
    outputs: dict[str, Any] = Field(default_factory=dict)


class CaseDef(_Strict):
    """A test case: facts in, expected outcome (and outputs) out."""

    name: Text
    today: date
    facts: dict[str, Any] = Field(default_factory=dict)  # the person's sources
    org_facts: dict[str, Any] = Field(default_factory=dict)  # the organisation's
    form: dict[str, Any] = Field(default_factory=dict)
    application: dict[str, Any] = Field(default_factory=dict)
    expect: CaseExpect


class RuleSetDef(_Strict):
    checks: list[CheckDef] = Field(default_factory=list)
    # 免申即享: who is granted without applying (with the checks, on their data).
    proactive: Text | None = None
    # confirm: the person is offered and confirms with one tap;
    # auto: granted and notified without any action (where the law allows).
    proactive_grant: Literal["confirm", "auto"] = "confirm"
    outputs: list[OutputDef] = Field(default_factory=list)
    cases: list[CaseDef] = Field(min_length=1)

    @field_validator("checks")
    @classmethod
    def _unique_ids(cls, value: list[CheckDef]) -> list[CheckDef]:
        ids = [c.id for c in value]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate check id(s): {', '.join(duplicates)}")
        return value
