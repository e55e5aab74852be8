"""Uploading materials, submitting, and 容缺受理 (accepting with a material owed).

:func:`submit` checks the form and the materials. A missing material that the
item lets the applicant supply later (容缺) does not block: the application is
accepted with a deadline in working days and reminders in the outbox; the
sweep in :mod:`govcore.applications.tolerance` applies the item's outcome when
the deadline passes. Deciding (秒批) comes after acceptance.
"""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from govcore import audit
from govcore.applications.access import Caller, actor_label
from govcore.applications.materials import (
    MaterialState,
    find_material,
    material_states,
)
from govcore.applications.models import (
    Application,
    MaterialKind,
    MaterialRecord,
    Status,
)
from govcore.applications.transitions import change_status
from govcore.applications.uploads import UploadLimits, clean_image
from govcore.clock import DISTRICT_TZ, local_date
from govcore.datahub import DataSource
from govcore.db import db
from govcore.errors import ConflictError, NotFoundError, ValidationError
from govcore.filestore import FileStore
from govcore.notifications import cancel_pending, enqueue
from govcore.workdays import WorkCalendar

if TYPE_CHECKING:  # imported late: certificates build on the application models
    from govcore.certificates.issuance import DocumentServices

MAX_FILES_PER_MATERIAL = 10
REMINDER = "materials_due_reminder"


def add_upload(
    application: Application,
    material_code: str,
    data: bytes,
    caller: Caller,
    *,
    store: FileStore,
    source: DataSource,
    calendar: WorkCalendar,
    documents: DocumentServices,
    now: datetime,
    limits: UploadLimits = UploadLimits(),
) -> MaterialRecord:
    """Check, clean and store an uploaded page of a material, and commit.

    In a draft any material of the item may be uploaded; once accepted with a
    material owed (容缺), only the owed ones. Supplying the last owed material
    returns the application to ``submitted``.

    :raise NotFoundError: if the item has no such material.
    :raise ConflictError: if the application takes no uploads now.
    :raise ValidationError: for a file that is not a clean JPEG/PNG image,
        too large, or one page too many.
    """
    # Lock the application row (PostgreSQL) and re-read it, so concurrent
    # uploads cannot pass the page limit, nor land after a submit.
    db.session.refresh(application, with_for_update={"of": Application})
    material = find_material(application, material_code)
    if material is None:
        raise NotFoundError(
            f"本事项没有“{material_code}”这项材料（unknown material）",
            code="unknown_material",
        )
    owed = {s.material.code for s in _owed(application)}
    if application.status is Status.AWAITING_MATERIALS:
        if material_code not in owed:
            raise ConflictError(
                "办件已受理，只能补交容缺材料（only owed materials accepted）",
                code="not_owed",
            )
    elif application.status is not Status.DRAFT:
        raise ConflictError(
            "办件已提交，不能再上传材料（application is not a draft）",
            code="not_a_draft",
        )
    pages = [r for r in application.materials if r.material_code == material_code]
    if len(pages) >= MAX_FILES_PER_MATERIAL:
        raise ValidationError(
            f"每项材料最多上传 {MAX_FILES_PER_MATERIAL} 页（too many pages）",
            field="file",
            code="too_many_files",
        )
    image = clean_image(data, limits=limits)
    record = MaterialRecord(
        public_id=secrets.token_hex(16),
        material_code=material_code,
        kind=MaterialKind.UPLOAD,
        file_name=store.put(image.content, image.extension),
        media_type=image.media_type,
        size=len(image.content),
        sha256=image.sha256,
        created_at=now,
    )
    application.materials.append(record)
    application.updated_at = now
    if application.status is Status.AWAITING_MATERIALS and owed == {material_code}:
        _materials_complete(application, caller, now)
        decide(
            application, source=source, calendar=calendar, documents=documents, now=now
        )
    db.session.commit()
    return record


def remove_upload(
    application: Application, upload_id: str, *, store: FileStore, now: datetime
) -> None:
    """Delete an uploaded page from a draft (file and row), and commit."""
    record = find_upload(application, upload_id)
    if application.status is not Status.DRAFT:
        raise ConflictError(
            "办件已提交，不能删除材料（application is not a draft）",
            code="not_a_draft",
        )
    application.materials.remove(record)
    application.updated_at = now
    db.session.commit()
    store.delete(record.file_name or "")


def find_upload(application: Application, upload_id: str) -> MaterialRecord:
    found = next(
        (
            r
            for r in application.materials
            if r.public_id == upload_id and r.kind is MaterialKind.UPLOAD
        ),
        None,
    )
    if found is None:
        raise NotFoundError("材料不存在（upload not found）")
    return found


def submit(
    application: Application,
    caller: Caller,
    *,
    source: DataSource,
    calendar: WorkCalendar,
    documents: DocumentServices,
    now: datetime,
) -> Application:
    """Submit a draft, decide it (秒批) and commit, all in one transaction.

    With materials owed (容缺) it is accepted with a deadline instead, and
    decided once they are supplied.

    :raise ConflictError: ``already_submitted`` if it is not a draft.
    :raise ValidationError: ``fields_missing`` or ``materials_missing``, listing
        what is missing.
    """
    if application.status is not Status.DRAFT:
        raise ConflictError(
            "办件已提交，请勿重复提交（already submitted）", code="already_submitted"
        )
    _check_fields(application)
    states = material_states(application)
    missing = [s for s in states if s.blocking]
    if missing:
        raise ValidationError(
            "还缺少以下材料：" + "、".join(s.material.name for s in missing),
            field=f"materials.{missing[0].material.code}",
            code="materials_missing",
        )
    actor = actor_label(application, caller)
    channel = caller.channel.value
    change_status(application, Status.SUBMITTED, actor=actor, channel=channel, now=now)
    application.submitted_at = now
    spec = application.item_version.spec
    today = local_date(now)
    application.retain_until = today + timedelta(days=spec.retention_days)
    owed = [s for s in states if s.state == "tolerated"]
    if owed:
        _accept_with_deadline(application, owed, calendar, actor, channel, now)
        from govcore.certificates.issuance import issue_receipt

        issue_receipt(application, services=documents, now=now)
    else:
        decide(
            application, source=source, calendar=calendar, documents=documents, now=now
        )
    audit.record_event(
        "application_submitted",
        actor=actor,
        at=now,
        target=f"application:{application.public_id}",
        details={"item": spec.code, "channel": channel, "owed": len(owed)},
    )
    db.session.commit()
    return application


def _check_fields(application: Application) -> None:
    spec = application.item_version.spec
    empty = [
        f
        for f in spec.form
        if f.required and (application.value_of(f.key) or _EMPTY).value is None
    ]
    if empty:
        raise ValidationError(
            "请填写：" + "、".join(f.label for f in empty),
            field=empty[0].key,
            code="fields_missing",
        )


class _Empty:
    value = None


_EMPTY = _Empty()


def _accept_with_deadline(
    application: Application,
    owed: list[MaterialState],
    calendar: WorkCalendar,
    actor: str,
    channel: str,
    now: datetime,
) -> None:
    tolerance = application.item_version.spec.tolerance
    assert tolerance.deadline_working_days is not None
    today = local_date(now)
    due = calendar.add_working_days(today, tolerance.deadline_working_days)
    application.materials_due_on = due
    names = "、".join(s.material.name for s in owed)
    change_status(
        application,
        Status.AWAITING_MATERIALS,
        actor="system",
        channel=channel,
        now=now,
        reason=f"容缺受理：{names}须在 {due.isoformat()} 前补交",
    )
    payload = {"due_on": due.isoformat(), "materials": [s.material.code for s in owed]}
    enqueue("materials_owed", application_id=application.id, payload=payload, now=now)
    remind_on = max(
        calendar.add_working_days(today, max(tolerance.deadline_working_days - 1, 0)),
        today,
    )
    for day in sorted({remind_on, due}):
        enqueue(
            REMINDER,
            application_id=application.id,
            payload=payload,
            now=now,
            not_before=datetime.combine(day, time(9, 0), DISTRICT_TZ),
            event_id=f"{REMINDER}:{application.public_id}:{day.isoformat()}",
        )


def decide(application: Application, **services: object) -> None:
    """Decide the application now (秒批), in this transaction."""
    # Imported here: govcore.decisions builds on the application models, so
    # importing it at module level would be circular.
    from govcore.decisions.service import decide as decide_now

    decide_now(application, **services)  # type: ignore[arg-type]


def _owed(application: Application) -> list[MaterialState]:
    if application.status is not Status.AWAITING_MATERIALS:
        return []
    return [s for s in material_states(application) if s.state == "tolerated"]


def _materials_complete(
    application: Application, caller: Caller, now: datetime
) -> None:
    change_status(
        application,
        Status.SUBMITTED,
        actor=actor_label(application, caller),
        channel=caller.channel.value,
        now=now,
        reason="容缺材料已补齐",
    )
    application.materials_due_on = None
    cancel_pending(application.id, REMINDER, now=now)
