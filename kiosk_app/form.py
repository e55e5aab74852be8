"""Starting an application and its form: prefilled values with their
sources, choices as buttons, numbers on the on-screen keypad."""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request
from flask_babel import gettext as _

from govcore import applications as apps
from govcore.applications import Application, Status
from govcore.catalog.schema import FieldType
from govcore.db import db
from govcore.errors import GovCoreError, ValidationError
from kiosk_app import bp
from kiosk_app.context import caller, require_person
from kiosk_app.present import form_rows
from kiosk_app.services import data_source
from kiosk_app.steps import ONE, application_of, go, next_step, problem


@bp.post("/items/<string:code>/apply")
@require_person
def apply(code: str) -> Any:
    try:
        application = apps.create_draft(code, caller(), source=data_source(), now=g.now)
    except GovCoreError as error:
        db.session.rollback()
        return problem(error)
    return go("kiosk.form", application)


# ------------------------------------------------------------ the form


@bp.get(ONE + "/form")
@require_person
def form(application_id: str) -> Any:
    application = application_of(application_id)
    if application.status is not Status.DRAFT:
        return next_step(application)
    return _form_page(application)


@bp.post(ONE + "/form")
@require_person
def save_form(application_id: str) -> Any:
    application = application_of(application_id)
    if application.status is not Status.DRAFT:
        return next_step(application)
    changes = _entries(application)
    try:
        apps.update_fields(application, changes, caller(), now=g.now)
    except ValidationError as error:
        db.session.rollback()
        return _form_page(
            application_of(application_id),
            entered=changes,
            errors={error.field or "_": _(error.message)},
            status=422,
        )
    return go("kiosk.materials", application)


def _form_page(
    application: Application,
    *,
    entered: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "kiosk/form.html",
        application=application,
        rows=form_rows(application, entered=entered),
        errors=errors or {},
        prompt="form",
    )
    return page, status


def _entries(application: Application) -> dict[str, Any]:
    """The editable fields the person filled in, as the core takes them
    (是/否 buttons are booleans; empty inputs are left as they were)."""
    types = {f.key: f.type for f in application.item_version.spec.form}
    editable = {row["key"] for row in form_rows(application) if row["editable"]}
    changes: dict[str, Any] = {}
    for key, value in request.form.items():
        value = value.strip()
        if key not in editable or value == "":
            continue
        if types[key] is FieldType.BOOLEAN:
            changes[key] = {"是": True, "否": False}.get(value, value)
        else:
            changes[key] = value
    return changes
