"""What the kiosk screens show of an application: form rows with where each
value came from, material rows with what the person still has to do, the
result in plain words, and the progress of its printing."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from flask_babel import gettext as _

from govcore.applications import (
    STATUS_LABELS,
    Application,
    MaterialKind,
    Status,
    ValueOrigin,
    material_states,
)
from govcore.applications.display import PROBLEM_LABELS, masked, source_of
from govcore.catalog.schema import FieldType
from govcore.certificates.verification import documents_of
from govcore.decisions import explanation, latest_decision
from govcore.terminals import TerminalCommand

# How a field is entered on a screen without a keyboard.
KEYPAD_TYPES = {
    FieldType.INTEGER: "digits",
    FieldType.PHONE: "phone",
    FieldType.DECIMAL: "decimal",
    FieldType.DATE: "date",
    FieldType.ID_NUMBER: "idnumber",
}
SCANNABLE = frozenset({"missing", "tolerated", "uploaded", "optional"})
PHRASES_FILE = Path(__file__).with_name("phrases.yaml")


@lru_cache(maxsize=1)
def phrases() -> dict[str, dict[str, list[str]]]:
    """Ready-made wordings for text fields (no keyboard at the kiosk)."""
    with PHRASES_FILE.open(encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def form_rows(
    application: Application, entered: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """One row per form field the applicant sees, in the item's order."""
    entered = entered or {}
    values = {v.key: v for v in application.values}
    spec = application.item_version.spec
    suggested = phrases().get(spec.code, {})
    rows = []
    for field in spec.form:
        value = values.get(field.key)
        if value is None:
            continue
        raw = entered.get(field.key, value.value)
        editable = not value.locked
        rows.append(
            {
                "key": field.key,
                "label": field.label,
                "help": field.help,
                "required": field.required,
                "editable": editable,
                "shown": (
                    masked(field, value.value) if value.value not in (None, "") else ""
                ),
                "value": raw if editable and raw is not None else "",
                "prefilled": value.origin is ValueOrigin.PREFILLED,
                "source": source_of(value)["name"] if value.source_path else "",
                "problem": PROBLEM_LABELS.get(value.prefill_problem or ""),
                "input": (
                    "choice"
                    if field.key in suggested
                    else _input_kind(field.type, field.options)
                ),
                "options": list(field.options)
                or suggested.get(field.key, [])
                or (["是", "否"] if field.type is FieldType.BOOLEAN else []),
                "masked_edit": editable
                and field.type in (FieldType.PHONE, FieldType.ID_NUMBER)
                and value.origin is ValueOrigin.PREFILLED,
            }
        )
    return rows


def _input_kind(field_type: FieldType, options: list[str]) -> str:
    if field_type is FieldType.ENUM or options:
        return "choice"
    if field_type is FieldType.BOOLEAN:
        return "choice"
    return KEYPAD_TYPES.get(field_type, "text")


def material_rows(application: Application) -> list[dict[str, Any]]:
    spec = application.item_version.spec
    rows = []
    for state in material_states(application):
        material = state.material
        uploads = [r for r in state.records if r.kind is MaterialKind.UPLOAD]
        rows.append(
            {
                "code": material.code,
                "name": material.name,
                "when": material.when,
                "state": state.state,
                "label": state.label,
                "blocking": state.blocking,
                "exempt": state.state in ("elicence", "data", "generated", "committed"),
                "pages": len(uploads),
                "can_scan": state.state in SCANNABLE,
                "can_commit": bool(material.commitment)
                and spec.commitment.allowed
                and state.state == "missing",
            }
        )
    return rows


OUTCOMES = {
    Status.APPROVED: ("approved", "办理成功", "approved"),
    Status.CERTIFICATE_ISSUED: ("approved", "办理成功", "approved"),
    Status.REFUSED: ("refused", "未获批准", "refused"),
    Status.MANUAL_REVIEW: ("review", "已受理，等待工作人员审核", "review"),
    Status.SUBMITTED: ("review", "已受理", "review"),
    Status.AWAITING_MATERIALS: ("tolerance", "已受理，请在期限内补交材料", "tolerance"),
}


def result_view(application: Application) -> dict[str, Any]:
    tone, title, prompt = OUTCOMES.get(
        application.status, ("review", STATUS_LABELS[application.status], "review")
    )
    decision = latest_decision(application)
    documents = [d for d in documents_of(application.id) if d.status != "revoked"]
    receipt = next((d for d in documents if d.kind == "receipt"), None)
    owed = [
        r for r in material_rows(application) if r["state"] in ("tolerated", "missing")
    ]
    return {
        "tone": tone,
        "title": title,
        "prompt": prompt,
        "reference_no": application.reference_no,
        "reasons": explanation(decision) if decision and tone == "refused" else [],
        "documents": [{"title": d.title, "number": d.number} for d in documents],
        "receipt_lines": (
            [tuple(f) for f in receipt.fields["fields"]] if receipt else []
        ),
        "owed": owed if application.status is Status.AWAITING_MATERIALS else [],
        "due_on": application.materials_due_on,
        "can_request_review": bool(
            decision and decision.automated and tone == "refused"
        ),
    }


PRINT_LABELS = {"print_document": "A4 文书", "print_receipt": "回执小票"}


def print_rows(commands: list[TerminalCommand]) -> list[dict[str, Any]]:
    rows = []
    for command in commands:
        result = command.result or {}
        rows.append(
            {
                "kind": command.kind,
                "label": _(PRINT_LABELS.get(command.kind, command.kind)),
                "status": (
                    command.status
                    if command.status in ("done", "failed")
                    else "printing"
                ),
                "message": result.get("message", ""),
            }
        )
    return rows
