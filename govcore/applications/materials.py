"""Materials: what the government already holds, what was uploaded, what is owed.

At draft time every material the 电子证照 library or a data check can stand in
for is attached (免提交). :func:`material_states` then says, per material, how
it stands, and which missing ones block submission.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from govcore.applications.form import Subjects
from govcore.applications.models import Application, MaterialKind, MaterialRecord
from govcore.catalog.schema import ItemDef, Material, Requirement
from govcore.datahub import DataLookup, DataSourceError, ELicence

#: The mandate (代办委托书) an agent must upload, when the item lists none.
MANDATE = Material(
    code="mandate",
    name="代办委托书及代办人身份证",
    requirement=Requirement.REQUIRED,
    form="电子",
    when="由他人代为申请时",
)

STATE_LABELS = {
    "elicence": "电子证照免提交",
    "data": "数据核验免提交",
    "generated": "系统自动生成",
    "uploaded": "已上传",
    "committed": "告知承诺代替",
    "tolerated": "容缺受理，可后补",
    "missing": "待上传",
    "optional": "非必要",
}


@dataclass(frozen=True)
class MaterialState:
    material: Material
    state: str  # a key of STATE_LABELS
    records: tuple[MaterialRecord, ...]

    @property
    def blocking(self) -> bool:
        return self.state == "missing"

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


def materials_of(application: Application) -> list[Material]:
    """The item's materials, with the mandate made required for an agent."""
    spec = application.item_version.spec
    materials = list(spec.materials)
    if application.agent_id_number:
        mandate = next((m for m in materials if m.code == MANDATE.code), None)
        if mandate is None:
            materials.append(MANDATE)
        else:
            materials[materials.index(mandate)] = mandate.model_copy(
                update={"requirement": Requirement.REQUIRED}
            )
    return materials


def find_material(application: Application, code: str) -> Material | None:
    return next((m for m in materials_of(application) if m.code == code), None)


def attach_held_materials(
    application: Application,
    spec: ItemDef,
    subjects: Subjects,
    lookup: DataLookup,
    *,
    today: date,
    now: datetime,
) -> None:
    """Attach every material the government already holds (免提交)."""
    for material in spec.materials:
        record = _held_record(material, subjects, lookup, today=today)
        if record is not None:
            record.public_id = secrets.token_hex(16)
            record.material_code = material.code
            record.created_at = now
            application.materials.append(record)


def _held_record(
    material: Material, subjects: Subjects, lookup: DataLookup, *, today: date
) -> MaterialRecord | None:
    if material.origin == "系统生成":
        return MaterialRecord(kind=MaterialKind.GENERATED)
    if material.elicence:
        licence = _find_licence(material.elicence, subjects, lookup, today=today)
        if licence is not None:
            return MaterialRecord(
                kind=MaterialKind.ELICENCE,
                licence_type=licence.type,
                licence_number=licence.number,
                licence_issuer=licence.issuer,
                source_path="EL.licences",
                record_id=licence.provenance.record_id,
                fetched_at=licence.provenance.fetched_at,
            )
    if material.data_check:
        subject = subjects.for_path(material.data_check)
        try:
            found = lookup.value(material.data_check, subject) if subject else None
        except DataSourceError:
            found = None
        if found is not None and found.value not in (None, "", [], False):
            return MaterialRecord(
                kind=MaterialKind.DATA,
                source_path=material.data_check,
                record_id=found.provenance.record_id,
                fetched_at=found.provenance.fetched_at,
            )
    return None


def _find_licence(
    licence_type: str, subjects: Subjects, lookup: DataLookup, *, today: date
) -> ELicence | None:
    holders = [subjects.organisation, subjects.person]
    for holder in filter(None, holders):
        try:
            licence = lookup.find_elicence(holder, licence_type, on=today)
        except DataSourceError:
            continue  # the library is down: the applicant may upload instead
        if licence is not None:
            return licence
    return None


def material_states(application: Application) -> list[MaterialState]:
    """How each material stands, in the item's order."""
    spec = application.item_version.spec
    committed = _committed_codes(application)
    states = []
    for material in materials_of(application):
        records = tuple(
            r for r in application.materials if r.material_code == material.code
        )
        states.append(
            MaterialState(
                material,
                _state(material, records, committed, application, spec),
                records,
            )
        )
    return states


def _committed_codes(application: Application) -> set[str]:
    return {code for c in application.commitments for code in c.replaces}


def _state(
    material: Material,
    records: tuple[MaterialRecord, ...],
    committed: set[str],
    application: Application,
    spec: ItemDef,
) -> str:
    if records:
        kinds = {r.kind for r in records}
        for kind, state in (
            (MaterialKind.ELICENCE, "elicence"),
            (MaterialKind.DATA, "data"),
            (MaterialKind.GENERATED, "generated"),
        ):
            if kind in kinds:
                return state
        return "uploaded"
    if material.code in committed:
        return "committed"
    if material.requirement is Requirement.OPTIONAL:
        return "optional"
    if application.tolerance_offered and material.code in spec.tolerance.materials:
        return "tolerated"
    return "missing"


def commitment_replaceable(spec: ItemDef) -> list[str]:
    """The material codes a signed commitment stands in for."""
    codes = list(spec.commitment.replaces)
    codes += [m.code for m in spec.materials if m.commitment and m.code not in codes]
    return codes
