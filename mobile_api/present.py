"""Turning core objects into the API's JSON, with personal data masked.

The applicant sees which value came from which source (数据来源), but ID
numbers, phone numbers, addresses and names are shown masked: the API answers
a phone screen that others may see, and the full values are only needed on
the holder's own certificate.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from govcore.applications import (
    STATUS_LABELS,
    Application,
    FormValue,
    MaterialKind,
    MaterialState,
    Status,
    ValueOrigin,
    corrections_of,
    material_states,
)
from govcore.applications.corrections import CORRECTION_LABELS
from govcore.applications.display import (
    PROBLEM_LABELS,
    fee_text,
    guide_material,
    masked,
    source_of,
)
from govcore.catalog import ItemVersion
from govcore.catalog.schema import FieldType, FormField
from govcore.datahub import ELICENCE_TYPES
from govcore.decisions import explanation, latest_decision
from govcore.privacy import mask_id_number, mask_name


def item_summary(version: ItemVersion) -> dict[str, Any]:
    spec = version.spec
    return {
        "code": spec.code,
        "version": version.version,
        "name": spec.name,
        "handling_item_name": spec.handling_item_name,
        "category": spec.category.value,
        "category_label": spec.category.label,
        "department": version.item.department.short_name,
        "department_code": version.item.department.code,
        "miaobao": spec.reform.miaobao,
        "miaopi": spec.reform.miaopi.value,
        "proactive": spec.reform.proactive,
    }


def item_detail(version: ItemVersion) -> dict[str, Any]:
    spec = version.spec
    return {
        **item_summary(version),
        "impl_body": spec.impl_body,
        "service_objects": list(spec.service_objects),
        "conditions": list(spec.conditions),
        "materials": [
            guide_material(m, spec.tolerance.materials) for m in spec.materials
        ],
        "limits": spec.limits.model_dump(),
        "fee": fee_text(spec.fee),
        "channels": [c.value for c in spec.channels],
        "location": spec.location,
        "office_hours": spec.office_hours,
        "consult_phone": spec.consult_phone,
        "complaint_phone": spec.complaint_phone,
        "legal_basis": [f"{b.title}{b.article}" for b in spec.legal_basis],
        "no_miaopi_reason": spec.reform.no_miaopi_reason,
        "commitment_allowed": spec.commitment.allowed,
        "tolerance_allowed": spec.tolerance.allowed,
        "result_name": spec.result.name,
        "faq": list(spec.faq),
    }


def application_summary(application: Application) -> dict[str, Any]:
    version = application.item_version
    return {
        "id": application.public_id,
        "reference_no": application.reference_no,
        "status": application.status.value,
        "status_label": STATUS_LABELS[application.status],
        "item_code": version.spec.code,
        "item_name": version.spec.name,
        "channel": application.channel.value,
        "created_at": application.created_at,
        "updated_at": application.updated_at,
        "submitted_at": application.submitted_at,
    }


def application_detail(application: Application) -> dict[str, Any]:
    spec = application.item_version.spec
    form = {f.key: f for f in spec.form}
    values = [v for v in application.values if v.key in form]
    states = material_states(application)
    signed = application.commitments[0] if application.commitments else None
    return {
        **application_summary(application),
        "item_version": application.item_version.version,
        "applicant": _applicant(application),
        "form_fields": [_field(form[v.key], v) for v in values],
        "materials": [_material(application, s) for s in states],
        "commitment": {
            "allowed": spec.commitment.allowed,
            "offered": application.commitment_offered,
            "note": application.offer_note,
            "signed_at": signed.signed_at if signed else None,
            "text_sha256": signed.text_sha256 if signed else None,
            "method": signed.consent.get("method") if signed else None,
        },
        "tolerance": {
            "allowed": spec.tolerance.allowed,
            "offered": application.tolerance_offered,
            "materials": list(spec.tolerance.materials),
            "deadline_working_days": spec.tolerance.deadline_working_days,
            "materials_due_on": application.materials_due_on,
        },
        "materials_due_on": application.materials_due_on,
        "history": [
            {
                "from_status": c.from_status.value if c.from_status else None,
                "to_status": c.to_status.value,
                "to_label": STATUS_LABELS[c.to_status],
                "actor": c.actor,
                "channel": c.channel,
                "reason": c.reason,
                "at": c.at,
            }
            for c in application.history
        ],
        "data_used": [
            {"field": v.key, "label": form[v.key].label, "source": source_of(v)}
            for v in values
            if v.origin is ValueOrigin.PREFILLED
        ],
        "corrections": [
            {
                "id": c.public_id,
                "field": c.field_key,
                "source_path": c.source_path,
                "status": c.status,
                "status_label": CORRECTION_LABELS[c.status],
                "forwarded_to": c.forwarded_to,
                "answer": c.answer,
                "answered_at": c.answered_at,
                "created_at": c.created_at,
            }
            for c in corrections_of(application)
        ],
        "effort": effort(application, states),
        "decision": decision_detail(application),
    }


def decision_detail(application: Application) -> dict[str, Any] | None:
    decision = latest_decision(application)
    if decision is None:
        return None
    return {
        "outcome": decision.outcome,
        "automated": decision.automated,
        "decided_at": decision.decided_at,
        "rule_set": decision.rule_set,
        "reasons": decision.reasons,
        "outputs": decision.outputs,
        "explanation": explanation(decision),
        "can_request_review": decision.automated
        and application.status is Status.REFUSED,
    }


CHOICE_TYPES = (FieldType.ENUM, FieldType.BOOLEAN)


def effort(
    application: Application, states: list[MaterialState] | None = None
) -> dict[str, int]:
    """What the applicant had to do: fields typed or chosen, files uploaded."""
    states = material_states(application) if states is None else states
    types = {f.key: f.type for f in application.item_version.spec.form}
    entered = [v for v in application.values if v.origin is ValueOrigin.ENTERED]
    return {
        "typed_fields": sum(types.get(v.key) not in CHOICE_TYPES for v in entered),
        "chosen_fields": sum(types.get(v.key) in CHOICE_TYPES for v in entered),
        "uploaded_files": sum(
            r.kind is MaterialKind.UPLOAD for r in application.materials
        ),
        "prefilled_fields": sum(
            v.origin is ValueOrigin.PREFILLED for v in application.values
        ),
        "exempt_materials": sum(s.state in ("elicence", "data") for s in states),
    }


def _applicant(application: Application) -> dict[str, Any]:
    return {
        "kind": application.applicant_kind.value,
        "name_masked": mask_name(application.applicant_name),
        "id_number_masked": mask_id_number(application.applicant_id_number),
        "organisation_name": application.org_name,
        "organisation_credit_code": application.org_credit_code,
        "agent_name_masked": (
            mask_name(application.agent_name) if application.agent_name else None
        ),
        "agent_relation": application.agent_relation,
    }


def _field(form_field: FormField, value: FormValue) -> dict[str, Any]:
    return {
        "key": form_field.key,
        "label": form_field.label,
        "type": form_field.type.value,
        "required": form_field.required,
        "editable": not value.locked,
        "value": masked(form_field, value.value),
        "origin": value.origin.value,
        "source": source_of(value) if value.source_path and value.fetched_at else None,
        "problem": value.prefill_problem,
        "problem_label": PROBLEM_LABELS.get(value.prefill_problem or ""),
        "choices": (
            [masked(form_field, c) for c in value.choices] if value.choices else None
        ),
        "options": list(form_field.options),
        "help": form_field.help,
    }


def _material(application: Application, state: MaterialState) -> dict[str, Any]:
    material = state.material
    licence = next((r for r in state.records if r.kind is MaterialKind.ELICENCE), None)
    data = next((r for r in state.records if r.kind is MaterialKind.DATA), None)
    uploads = [r for r in state.records if r.kind is MaterialKind.UPLOAD]
    return {
        "code": material.code,
        "name": material.name,
        "requirement": material.requirement.value,
        "state": state.state,
        "state_label": state.label,
        "elicence": (
            {
                "type": licence.licence_type,
                "type_label": ELICENCE_TYPES.get(licence.licence_type or "", ""),
                "number_masked": mask_id_number(licence.licence_number or ""),
                "issuer": licence.licence_issuer or "",
                "source": source_of(licence),
            }
            if licence
            else None
        ),
        "data_source": source_of(data) if data else None,
        "files": [
            {
                "id": r.public_id,
                "media_type": r.media_type,
                "size": r.size,
                "url": url_for(
                    "applications.UploadFile",
                    application_id=application.public_id,
                    upload_id=r.public_id,
                ),
                "created_at": r.created_at,
            }
            for r in uploads
        ],
    }
