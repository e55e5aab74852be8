"""The values of a result document's fields, from the catalogue's template.

Each template field (``result.fields`` of the item) is filled, in this order:

1. its ``value`` expression, in the rule language, over the facts the decision
   saw (``HK.sex``, ``form.chip_no`` …): the same snapshot the rules read;
2. a standard key: the document number, issuer, issue date, holder, validity;
3. the rules' output of the same key (e.g. ``age_tier``);
4. the form value of the same key.

A field none of these fills is left off the document rather than printed
empty or guessed, and reported, so the catalogue can be completed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from govcore.applications.models import Application, ApplicantKind
from govcore.certificates.document import chinese_date
from govcore.privacy import mask_account
from govcore.rules.engine import compile_rules, resolver
from govcore.rules.interpreter import UNKNOWN, Interpreter
from govcore.validation import mask_id_number

if TYPE_CHECKING:  # a type only: decisions import this package
    from govcore.decisions.models import Decision

log = logging.getLogger(__name__)

NUMBER_KEYS = frozenset(
    {
        "cert_no",
        "approval_no",
        "permit_no",
        "reg_no",
        "filing_no",
        "card_no_cert",
        "case_no",
        "application_no",
    }
)
ISSUER_KEYS = frozenset({"issuer", "registry"})
DATE_KEYS = frozenset({"issued_on", "reg_date", "filing_date", "confirmed_on"})
HOLDER_KEYS = frozenset(
    {"holder_name", "name", "applicant", "registrant", "recipient", "owner"}
)
ID_KEYS = frozenset({"id_number", "id_number_masked", "uscc"})


@dataclass(frozen=True)
class Stamp:
    """What the issuing step knows before the fields are filled."""

    number: str
    issuer: str
    issued_on: date
    valid_until: date | None
    holder_name: str
    holder_id: str  # as printed: masked, or in full where the item says why


def holder_of(application: Application, full_id: bool) -> tuple[str, str]:
    """The holder's name and identifier as the document prints them."""
    if application.applicant_kind is ApplicantKind.ORGANISATION:
        return application.org_name or "", application.org_credit_code or ""
    number = application.applicant_id_number
    return application.applicant_name, number if full_id else mask_id_number(number)


def fill(
    application: Application, decision: Decision, stamp: Stamp
) -> tuple[list[tuple[str, str]], list[str]]:
    """The template's fields as (label, text), and the keys left unfilled."""
    spec = application.item_version.spec
    expressions = dict(compile_rules(spec).document_fields)
    resolve = resolver(decision.snapshot) if decision.snapshot else None
    today = stamp.issued_on
    filled, missing = [], []
    for template in spec.result.fields:
        value: Any = None
        if template.key in expressions and resolve is not None:
            value = Interpreter(resolve, today).run(expressions[template.key])
        if value in (None, UNKNOWN):
            value = _standard(template.key, application, decision, stamp)
        if value in (None, UNKNOWN):
            value = decision.outputs.get(template.key)
        if value in (None, UNKNOWN):
            form_value = application.value_of(template.key)
            value = form_value.value if form_value else None
        if value in (None, UNKNOWN, "", []):
            missing.append(template.key)
            continue
        filled.append((template.label, text(value, template.key)))
    if missing:
        log.info("%s: result fields left unfilled: %s", spec.code, ", ".join(missing))
    return filled, missing


def _standard(
    key: str, application: Application, decision: Decision, stamp: Stamp
) -> Any:
    if key in NUMBER_KEYS:
        return stamp.number
    if key in ISSUER_KEYS:
        return stamp.issuer
    if key in DATE_KEYS:
        return stamp.issued_on
    if key in HOLDER_KEYS:
        return stamp.holder_name
    if key in ("id_number", "id_number_masked"):
        return stamp.holder_id
    if key == "entity_name" and application.org_name:
        return application.org_name
    if key == "uscc" and application.org_credit_code:
        return application.org_credit_code
    if key in ("valid_to", "valid_until"):
        return stamp.valid_until
    if key == "rule_version":
        return decision.rule_set.split("#")[0]
    return None


def text(value: Any, key: str = "") -> str:
    """A value as printed: dates in Chinese, yes/no, lists joined."""
    if isinstance(value, date):
        return chinese_date(value)
    if isinstance(value, str) and _iso_date(value):
        return chinese_date(date.fromisoformat(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(text(v) for v in value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if key.endswith("account") or key.endswith("account_masked"):
        return mask_account(str(value))
    return str(value)


def _iso_date(value: str) -> bool:
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
