"""Creating a draft that fills itself (秒填), and editing what the applicant may.

:func:`create_draft` works out who the applicant is (the caller; the person an
agent acts for; or the organisation whose legal representative the caller is),
prefills every field the item declares with a source, attaches what the
government already holds, and decides whether a commitment (告知承诺) and
容缺受理 are on offer. :func:`update_fields` takes the applicant's entries and
refuses any change to a locked, authoritative value (``prefill_tampered``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from govcore import audit
from govcore.applications.access import Caller, actor_label
from govcore.applications.form import Subjects, clean_value, prefill_field
from govcore.applications.materials import attach_held_materials
from govcore.applications.models import (
    ApplicantKind,
    Application,
    ChannelKind,
    FormValue,
    Status,
    ValueOrigin,
)
from govcore.applications.references import next_reference_no
from govcore.applications.transitions import record_creation
from govcore.catalog import get_item_version
from govcore.catalog.schema import ItemDef
from govcore.clock import local_date
from govcore.datahub import (
    SOURCES,
    DataLookup,
    DataSource,
    DataSourceError,
    NoRecordError,
)
from govcore.db import db
from govcore.errors import (
    ConflictError,
    GovCoreError,
    PermissionDeniedError,
    UnavailableError,
    ValidationError,
)
from govcore.privacy import mask_id_number
from govcore.validation import InvalidValueError, parse_credit_code, parse_id_number

PERSON_OBJECTS = {"自然人"}
DISHONESTY_FLAGS = ("dishonest_executee", "severe_dishonest", "false_commitment_record")


@dataclass(frozen=True)
class Principal:
    """The person an agent applies for (代办), as the agent states them."""

    id_number: str
    name: str
    relation: str = ""


def create_draft(
    item_code: str,
    caller: Caller,
    *,
    source: DataSource,
    now: datetime,
    organisation: str | None = None,
    principal: Principal | None = None,
) -> Application:
    """Create a prefilled draft of ``item_code`` for the caller and commit it.

    :param organisation: the credit code of the organisation applying, whose
        legal representative (or operator) the caller must be.
    :param principal: the person the caller applies for, as their agent.
    :raise NotFoundError: if the item is not in force.
    :raise ValidationError: if the item does not serve this applicant or channel.
    :raise PermissionDeniedError: if the caller does not represent the organisation.
    :raise UnavailableError: if the organisation register cannot be asked.
    """
    today = local_date(now)
    version = get_item_version(item_code, on=today)
    spec = version.spec
    _check_channel(spec, caller)
    lookup = DataLookup(source, now=now)
    application = Application(
        public_id=secrets.token_hex(16),
        item_version=version,
        status=Status.DRAFT,
        channel=caller.channel,
        terminal_id=caller.terminal_id,
        staff_id=caller.staff_id,
        created_at=now,
        updated_at=now,
    )
    _set_applicant(application, spec, caller, lookup, organisation, principal, today)
    subjects = Subjects(application.applicant_id_number, application.org_credit_code)
    _prefill(application, spec, subjects, lookup, now)
    attach_held_materials(application, spec, subjects, lookup, today=today, now=now)
    _decide_offers(application, spec, subjects, lookup)
    application.reference_no = next_reference_no(now)
    db.session.add(application)
    record_creation(
        application,
        actor=actor_label(application, caller),
        channel=caller.channel.value,
        now=now,
    )
    db.session.commit()
    return application


def _check_channel(spec: ItemDef, caller: Caller) -> None:
    if caller.channel is ChannelKind.SYSTEM:
        return  # 免申即享: the system applies on the person's behalf
    if caller.channel.value not in {c.value for c in spec.channels}:
        raise ValidationError(
            f"“{spec.name}”不支持在此渠道办理（channel {caller.channel.value} "
            "not offered）",
            code="channel_not_offered",
        )


def _set_applicant(
    application: Application,
    spec: ItemDef,
    caller: Caller,
    lookup: DataLookup,
    organisation: str | None,
    principal: Principal | None,
    today: Any,
) -> None:
    serves_people = bool(PERSON_OBJECTS & set(spec.service_objects))
    serves_orgs = bool(set(spec.service_objects) - PERSON_OBJECTS)
    if organisation is not None:
        if not serves_orgs:
            raise ValidationError(
                f"“{spec.name}”仅面向个人办理（item serves natural persons only）",
                field="organisation",
                code="applicant_kind_not_served",
            )
        if principal is not None:
            raise ValidationError(
                "单位申请不能同时指定被代办人（organisation and principal both given）",
                field="on_behalf_of",
                code="invalid",
            )
        _set_organisation(application, caller, lookup, organisation)
        return
    if not serves_people:
        raise ValidationError(
            f"“{spec.name}”须以单位名义申请，请提供统一社会信用代码"
            "（item serves organisations only）",
            field="organisation",
            code="applicant_kind_not_served",
        )
    application.applicant_kind = ApplicantKind.PERSON
    if principal is None:
        application.applicant_id_number = caller.id_number
        application.applicant_name = caller.name
        return
    _set_principal(application, caller, lookup, principal, today)


def _set_principal(
    application: Application,
    caller: Caller,
    lookup: DataLookup,
    principal: Principal,
    today: Any,
) -> None:
    try:
        id_number = parse_id_number(principal.id_number, today=today).number
    except InvalidValueError as exc:
        raise ValidationError(
            f"被代办人身份证号：{exc.message}",
            field="on_behalf_of.id_number",
            code=exc.code,
        ) from None
    if id_number == caller.id_number:
        raise ValidationError(
            "不能为本人代办（principal is the caller）",
            field="on_behalf_of.id_number",
            code="invalid",
        )
    try:
        registered = lookup.value("HK.name", id_number).value
    except DataSourceError:
        registered = None  # unverified: the mandate material and review cover it
    if registered and registered != principal.name.strip():
        raise ValidationError(
            "被代办人姓名与身份证号不符（principal name does not match the register）",
            field="on_behalf_of.name",
            code="principal_mismatch",
        )
    application.applicant_id_number = id_number
    application.applicant_name = principal.name.strip()
    application.agent_id_number = caller.id_number
    application.agent_name = caller.name
    application.agent_relation = principal.relation.strip()[:30]


def _set_organisation(
    application: Application, caller: Caller, lookup: DataLookup, credit_code: str
) -> None:
    try:
        code = parse_credit_code(credit_code).code
    except InvalidValueError as exc:
        raise ValidationError(
            f"统一社会信用代码：{exc.message}", field="organisation", code=exc.code
        ) from None
    try:
        entity = lookup.record("MR", code).data.get("entity") or {}
    except NoRecordError:
        raise ValidationError(
            "市场主体登记中查无此单位（organisation not registered）",
            field="organisation",
            code="organisation_not_found",
        ) from None
    except DataSourceError:
        raise UnavailableError(
            "市场主体登记信息暂时无法核验，请稍后再试（register unavailable）",
            code="source_unavailable",
        ) from None
    if caller.id_number not in (entity.get("legal_rep_id"), entity.get("operator_id")):
        raise PermissionDeniedError(
            "您不是该单位登记的法定代表人（负责人），不能以单位名义申请"
            "（caller is not the legal representative）",
            code="not_legal_representative",
        )
    application.applicant_kind = ApplicantKind.ORGANISATION
    application.applicant_id_number = caller.id_number
    application.applicant_name = caller.name
    application.org_credit_code = code
    application.org_name = entity.get("name") or ""


def _prefill(
    application: Application,
    spec: ItemDef,
    subjects: Subjects,
    lookup: DataLookup,
    now: datetime,
) -> None:
    for position, form_field in enumerate(spec.form):
        value = FormValue(
            key=form_field.key,
            position=position,
            value=None,
            origin=ValueOrigin.EMPTY,
            locked=False,
            updated_at=now,
        )
        if form_field.prefill:
            found = prefill_field(form_field, subjects, lookup)
            value.source_path = form_field.prefill
            value.prefill_problem = found.problem
            value.choices = found.choices
            if found.provenance is not None:
                value.record_id = found.provenance.record_id
                value.fetched_at = found.provenance.fetched_at
            if found.value is not None:
                value.value = found.value
                value.origin = ValueOrigin.PREFILLED
            # Authoritative data locks the field; with no value (or a choice
            # among the source's values) the applicant fills it, unverified.
            value.locked = not form_field.editable and (
                found.value is not None or bool(found.choices)
            )
        application.values.append(value)


def _decide_offers(
    application: Application, spec: ItemDef, subjects: Subjects, lookup: DataLookup
) -> None:
    """告知承诺 and 容缺 are not offered to a dishonest applicant (or when unsure)."""
    if not (spec.commitment.allowed or spec.tolerance.allowed):
        return
    standing = _credit_standing(subjects, lookup)
    application.commitment_offered = spec.commitment.allowed and standing == "clear"
    application.tolerance_offered = spec.tolerance.allowed and standing == "clear"
    application.offer_note = {
        "clear": "",
        "dishonest": "存在失信记录，不适用告知承诺和容缺受理，请提交完整材料",
        "unknown": "信用信息暂时无法核验，本次不适用告知承诺和容缺受理",
    }[standing]


def _credit_standing(subjects: Subjects, lookup: DataLookup) -> str:
    for subject in filter(None, (subjects.person, subjects.organisation)):
        try:
            data = lookup.record("CR", subject).data
        except NoRecordError:
            continue
        except DataSourceError:
            return "unknown"
        if any(data.get(flag) for flag in DISHONESTY_FLAGS):
            return "dishonest"
    return "clear"


def update_fields(
    application: Application,
    changes: dict[str, Any],
    caller: Caller,
    *,
    now: datetime,
) -> Application:
    """Apply the applicant's entries to a draft and commit.

    Sending a locked field with its stored value is accepted (clients may send
    the whole form back); any other value for it is refused.

    :raise GovCoreError: ``prefill_tampered`` if a locked value was changed (an
        audit event is committed; nothing else changes).
    :raise ValidationError: for an unknown field or a bad value, naming it.
    :raise ConflictError: if the application is no longer a draft.
    """
    if application.status is not Status.DRAFT:
        raise ConflictError(
            "办件已提交，不能再修改（application is not a draft）",
            code="not_a_draft",
        )
    spec = application.item_version.spec
    fields = {f.key: f for f in spec.form}
    today = local_date(now)
    cleaned: dict[str, Any] = {}
    for key, raw in changes.items():
        if key not in fields:
            raise ValidationError(
                f"表单中没有“{key}”这一项（unknown field）",
                field=key,
                code="unknown_field",
            )
        stored = application.value_of(key)
        if stored is not None and stored.locked:
            if raw == stored.value:
                continue
            if stored.choices and raw in stored.choices:
                cleaned[key] = raw  # choosing among the source's own values
                continue
            _reject_tampering(application, stored, fields[key].label, caller, now)
        cleaned[key] = clean_value(fields[key], raw, today=today)
    for key, value in cleaned.items():
        _store_entry(application.value_of(key), value, now)
    application.updated_at = now
    db.session.commit()
    return application


def _reject_tampering(
    application: Application,
    stored: FormValue,
    label: str,
    caller: Caller,
    now: datetime,
) -> None:
    db.session.rollback()
    audit.record_event(
        "prefill_tampered",
        actor=actor_label(application, caller),
        at=now,
        target=f"application:{application.public_id}",
        details={
            "field": stored.key,
            "source": stored.source_path,
            "channel": caller.channel.value,
            "caller": mask_id_number(caller.id_number),
        },
    )
    db.session.commit()
    raise GovCoreError(
        f"“{label}”来自{_source_label(stored.source_path)}的权威数据，不能修改；"
        "如认为有误，请提交数据纠错申请（locked prefilled field changed）",
        code="prefill_tampered",
    )


def _store_entry(stored: FormValue | None, value: Any, now: datetime) -> None:
    assert stored is not None
    if stored.choices and value in stored.choices:  # one of the source's values
        stored.value = value
        stored.origin = ValueOrigin.PREFILLED
    elif value != stored.value or stored.origin is ValueOrigin.EMPTY:
        stored.value = value
        stored.origin = ValueOrigin.EMPTY if value is None else ValueOrigin.ENTERED
    stored.updated_at = now


def _source_label(path: str | None) -> str:
    return SOURCES.get((path or "").partition(".")[0], "共享数据")
