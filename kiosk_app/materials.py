"""The materials of an application: what the government already holds,
scans through the terminal's scanner (with preview and retake), and the
commitment (告知承诺) signed with a finger on the screen."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Response, abort, g, jsonify, render_template, request, session
from flask import url_for
from flask_babel import gettext as _

from govcore import applications as apps
from govcore import terminals
from govcore.applications import Application, Status
from govcore.db import db
from govcore.errors import GovCoreError, ValidationError
from govcore.terminals.commands import command_of
from kiosk_app import bp
from kiosk_app.context import caller, require_person
from kiosk_app.present import material_rows
from kiosk_app.services import (
    calendar,
    data_source,
    documents,
    file_store,
    upload_limits,
)
from kiosk_app.steps import ONE, application_of, go, next_step, problem

# ------------------------------------------------------------ materials


@bp.get(ONE + "/materials")
@require_person
def materials(application_id: str) -> Any:
    application = application_of(application_id)
    if application.status not in (Status.DRAFT, Status.AWAITING_MATERIALS):
        return next_step(application)
    rows = material_rows(application)
    return render_template(
        "kiosk/materials.html",
        application=application,
        rows=rows,
        ready=not any(r["blocking"] for r in rows),
        prompt="materials",
    )


@bp.post(ONE + "/materials/<string:material_code>/scan")
@require_person
def scan(application_id: str, material_code: str) -> Any:
    application = application_of(application_id)
    command = terminals.request_scan(g.terminal, now=g.now)
    db.session.commit()
    scans = session.setdefault("scans", {})
    scans[command.public_id] = [application.public_id, material_code]
    session.modified = True
    return go("kiosk.scanning", application, command_id=command.public_id)


def _scan_of(application: Application, command_id: str) -> str:
    """The material a scan of this session was made for (404 otherwise)."""
    owner = session.get("scans", {}).get(command_id)
    if owner is None or owner[0] != application.public_id:
        abort(404)
    command_of(g.terminal, command_id)  # 404 for another terminal's command
    return owner[1]


@bp.get(ONE + "/scan/<string:command_id>")
@require_person
def scanning(application_id: str, command_id: str) -> Any:
    application = application_of(application_id)
    material_code = _scan_of(application, command_id)
    return render_template(
        "kiosk/scan.html",
        application=application,
        material=next(
            r for r in material_rows(application) if r["code"] == material_code
        ),
        command_id=command_id,
        prompt="scan",
    )


@bp.get(ONE + "/scan/<string:command_id>/status")
@require_person
def scan_status(application_id: str, command_id: str) -> Any:
    application = application_of(application_id)
    _scan_of(application, command_id)
    command = command_of(g.terminal, command_id)
    pages = len((command.result or {}).get("pages", []))
    return jsonify(
        status=command.status,
        message=(command.result or {}).get("message", ""),
        pages=(
            [
                url_for(
                    "kiosk.scan_page",
                    application_id=application.public_id,
                    command_id=command_id,
                    number=n,
                )
                for n in range(pages)
            ]
            if command.status == "done"
            else []
        ),
    )


@bp.get(ONE + "/scan/<string:command_id>/page/<int:number>")
@require_person
def scan_page(application_id: str, command_id: str, number: int) -> Any:
    application = application_of(application_id)
    _scan_of(application, command_id)
    pages = terminals.scanned_pages(g.terminal, command_id, store=file_store())
    if not 0 <= number < len(pages):
        abort(404)
    return Response(pages[number], mimetype="image/jpeg")


@bp.post(ONE + "/scan/<string:command_id>/use")
@require_person
def use_scan(application_id: str, command_id: str) -> Any:
    application = application_of(application_id)
    material_code = _scan_of(application, command_id)
    store = file_store()
    try:
        for page in terminals.scanned_pages(g.terminal, command_id, store=store):
            apps.add_upload(
                application,
                material_code,
                page,
                caller(),
                store=store,
                source=data_source(),
                calendar=calendar(),
                documents=documents(),
                now=g.now,
                limits=upload_limits(),
            )
    except GovCoreError as error:
        db.session.rollback()
        return problem(
            error, back=url_for("kiosk.materials", application_id=application_id)
        )
    terminals.discard_scan(g.terminal, command_id, store=store)
    db.session.commit()
    session.get("scans", {}).pop(command_id, None)
    session.modified = True
    return next_step(application)


@bp.post(ONE + "/scan/<string:command_id>/retake")
@require_person
def retake_scan(application_id: str, command_id: str) -> Any:
    application = application_of(application_id)
    material_code = _scan_of(application, command_id)
    terminals.discard_scan(g.terminal, command_id, store=file_store())
    db.session.commit()
    session.get("scans", {}).pop(command_id, None)
    return scan(application.public_id, material_code)


# ------------------------------------------------------------ commitment


@bp.get(ONE + "/commitment")
@require_person
def commitment(application_id: str) -> Any:
    application = application_of(application_id)
    if application.status is not Status.DRAFT:
        return next_step(application)
    return _commitment_page(application)


@bp.post(ONE + "/commitment")
@require_person
def sign(application_id: str) -> Any:
    application = application_of(application_id)
    try:
        apps.sign_commitment(
            application,
            caller(),
            text_sha256=request.form.get("text_sha256", ""),
            now=g.now,
            store=file_store(),
            signature_png=_signature(request.form.get("signature", "")),
        )
    except GovCoreError as error:
        db.session.rollback()
        return _commitment_page(application_of(application_id), _(error.message), 422)
    return go("kiosk.materials", application)


def _commitment_page(
    application: Application, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    """The commitment's text, the digest the signature will cite, the pad."""
    text = apps.commitment_text(application)
    page = render_template(
        "kiosk/commitment.html",
        application=application,
        text=text,
        digest=apps.text_digest(text),
        error=error,
        prompt="sign",
    )
    return page, status


def _signature(data_url: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise ValidationError("请在框内签名后再确认", field="signature")
    try:
        return base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("签名图片有误，请重新签名", field="signature") from None
