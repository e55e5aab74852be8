"""Applying at the kiosk: the prefilled form, materials (e-licences, scans,
the commitment signed on the screen), submission, the result and its
printing, the rating, and the way out.

Every ``<application_id>`` is the card holder's own or answers 404
(:func:`govcore.applications.get_application`). The views only parse the
request, call the core, and pick a template.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import (
    Response,
    abort,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from govcore import applications as apps
from govcore import decisions
from govcore import terminals
from govcore.applications import Application, Status
from govcore.applications.access import actor_label
from govcore.catalog.schema import FieldType
from govcore.certificates.verification import documents_of
from govcore.db import db
from govcore.errors import ConflictError, GovCoreError, ValidationError
from govcore.ratings import BAD_REASONS, GOOD_REASONS, rating_of
from govcore.ratings import rate as rate_service
from govcore.terminals.commands import command_of
from kiosk_app import bp
from kiosk_app.context import caller, require_person
from kiosk_app.present import form_rows, material_rows, print_rows, result_view
from kiosk_app.services import (
    calendar,
    data_source,
    documents,
    file_store,
    upload_limits,
)

ONE = "/a/<string:application_id>"


def _application(application_id: str) -> Application:
    return apps.get_application(application_id, caller())


def _to(endpoint: str, application: Application, **values: Any) -> Response:
    return redirect(url_for(endpoint, application_id=application.public_id, **values))


def _next_step(application: Application) -> Response:
    """Where an application goes when its step is done: drafts to the
    materials, everything else to its result."""
    if application.status is Status.DRAFT:
        return _to("kiosk.materials", application)
    return _to("kiosk.result", application)


@bp.post("/items/<string:code>/apply")
@require_person
def apply(code: str) -> Any:
    try:
        application = apps.create_draft(code, caller(), source=data_source(), now=g.now)
    except GovCoreError as error:
        db.session.rollback()
        return _problem(error)
    return _to("kiosk.form", application)


# ------------------------------------------------------------ the form


@bp.get(ONE + "/form")
@require_person
def form(application_id: str) -> Any:
    application = _application(application_id)
    if application.status is not Status.DRAFT:
        return _next_step(application)
    return render_template(
        "kiosk/form.html",
        application=application,
        rows=form_rows(application),
        errors={},
        prompt="form",
    )


@bp.post(ONE + "/form")
@require_person
def save_form(application_id: str) -> Any:
    application = _application(application_id)
    if application.status is not Status.DRAFT:
        return _next_step(application)
    changes = _entries(application)
    try:
        apps.update_fields(application, changes, caller(), now=g.now)
    except ValidationError as error:
        db.session.rollback()
        application = _application(application_id)
        return (
            render_template(
                "kiosk/form.html",
                application=application,
                rows=form_rows(application, entered=changes),
                errors={error.field or "_": _(error.message)},
                prompt="form",
            ),
            422,
        )
    return _to("kiosk.materials", application)


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


# ------------------------------------------------------------ materials


@bp.get(ONE + "/materials")
@require_person
def materials(application_id: str) -> Any:
    application = _application(application_id)
    if application.status not in (Status.DRAFT, Status.AWAITING_MATERIALS):
        return _next_step(application)
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
    application = _application(application_id)
    command = terminals.request_scan(g.terminal, now=g.now)
    db.session.commit()
    scans = session.setdefault("scans", {})
    scans[command.public_id] = [application.public_id, material_code]
    session.modified = True
    return _to("kiosk.scanning", application, command_id=command.public_id)


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
    application = _application(application_id)
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
    application = _application(application_id)
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
    application = _application(application_id)
    _scan_of(application, command_id)
    pages = terminals.scanned_pages(g.terminal, command_id, store=file_store())
    if not 0 <= number < len(pages):
        abort(404)
    return Response(pages[number], mimetype="image/jpeg")


@bp.post(ONE + "/scan/<string:command_id>/use")
@require_person
def use_scan(application_id: str, command_id: str) -> Any:
    application = _application(application_id)
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
        return _problem(
            error, back=url_for("kiosk.materials", application_id=application_id)
        )
    terminals.discard_scan(g.terminal, command_id, store=store)
    db.session.commit()
    session.get("scans", {}).pop(command_id, None)
    session.modified = True
    return _next_step(application)


@bp.post(ONE + "/scan/<string:command_id>/retake")
@require_person
def retake_scan(application_id: str, command_id: str) -> Any:
    application = _application(application_id)
    material_code = _scan_of(application, command_id)
    terminals.discard_scan(g.terminal, command_id, store=file_store())
    db.session.commit()
    session.get("scans", {}).pop(command_id, None)
    return scan(application.public_id, material_code)


# ------------------------------------------------------------ commitment


@bp.get(ONE + "/commitment")
@require_person
def commitment(application_id: str) -> Any:
    application = _application(application_id)
    if application.status is not Status.DRAFT:
        return _next_step(application)
    text = apps.commitment_text(application)
    return render_template(
        "kiosk/commitment.html",
        application=application,
        text=text,
        digest=apps.text_digest(text),
        error=None,
        prompt="sign",
    )


@bp.post(ONE + "/commitment")
@require_person
def sign(application_id: str) -> Any:
    application = _application(application_id)
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
        application = _application(application_id)
        text = apps.commitment_text(application)
        return (
            render_template(
                "kiosk/commitment.html",
                application=application,
                text=text,
                digest=apps.text_digest(text),
                error=_(error.message),
                prompt="sign",
            ),
            422,
        )
    return _to("kiosk.materials", application)


def _signature(data_url: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise ValidationError("请在框内签名后再确认", field="signature")
    try:
        return base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("签名图片有误，请重新签名", field="signature") from None


# ------------------------------------------------------------ submit


@bp.get(ONE + "/confirm")
@require_person
def confirm(application_id: str) -> Any:
    application = _application(application_id)
    if application.status is not Status.DRAFT:
        return _next_step(application)
    return render_template(
        "kiosk/confirm.html",
        application=application,
        rows=form_rows(application),
        materials=material_rows(application),
        prompt="confirm",
    )


@bp.post(ONE + "/submit")
@require_person
def submit(application_id: str) -> Any:
    application = _application(application_id)
    try:
        apps.submit(
            application,
            caller(),
            source=data_source(),
            calendar=calendar(),
            documents=documents(),
            now=g.now,
        )
    except ConflictError as error:  # a second tap: the first one decided it
        db.session.rollback()
        if error.code != "already_submitted":
            return _problem(error)
        return _to("kiosk.result", _application(application_id))
    except GovCoreError as error:
        db.session.rollback()
        return _problem(
            error, back=url_for("kiosk.materials", application_id=application_id)
        )
    _print_results(application)
    return _to("kiosk.result", application)


def _print_results(application: Application) -> None:
    """Print what the decision produced: the certificate or the written
    refusal on A4 with its ticket; a receipt's ticket alone."""
    actor = caller()
    commands = []
    for document in documents_of(application.id):
        if document.status == "revoked":
            continue
        if document.kind in ("certificate", "refusal"):
            commands.append(
                terminals.request_print(
                    g.terminal,
                    document,
                    actor=f"staff:{actor.staff_id}" if actor.staff_id else "applicant",
                    now=g.now,
                )
            )
        commands.append(terminals.request_receipt(g.terminal, document, now=g.now))
    db.session.commit()
    prints = session.setdefault("prints", {})
    prints[application.public_id] = [c.public_id for c in commands]
    session.modified = True


# ------------------------------------------------------------ the result


@bp.get(ONE + "/result")
@require_person
def result(application_id: str) -> Any:
    application = _application(application_id)
    if application.status is Status.DRAFT:
        return _to("kiosk.form", application)
    view = result_view(application)
    return render_template(
        "kiosk/result.html",
        application=application,
        view=view,
        review_requested=session.get("review_requested") == application.public_id,
        prompt=view["prompt"],
    )


@bp.get(ONE + "/prints")
@require_person
def prints(application_id: str) -> Any:
    application = _application(application_id)
    rows = print_rows(_commands(application))
    return jsonify(
        prints=rows,
        done=all(r["status"] == "done" for r in rows),
        failed=any(r["status"] == "failed" for r in rows),
    )


def _commands(application: Application) -> list[Any]:
    ids = session.get("prints", {}).get(application.public_id, [])
    return [command_of(g.terminal, command_id) for command_id in ids]


@bp.post(ONE + "/reprint")
@require_person
def reprint(application_id: str) -> Any:
    """Print again what failed (the printer was fixed)."""
    application = _application(application_id)
    kept, again = [], []
    for command in _commands(application):
        if command.status != "failed":
            kept.append(command.public_id)
            continue
        document = terminals.document_to_print(g.terminal, command.payload["document"])
        try:
            if command.kind == "print_document":
                again.append(
                    terminals.request_print(
                        g.terminal,
                        document,
                        actor=command.payload.get("actor", "applicant"),
                        now=g.now,
                    )
                )
            else:
                again.append(terminals.request_receipt(g.terminal, document, now=g.now))
        except GovCoreError as error:
            db.session.rollback()
            return _problem(
                error, back=url_for("kiosk.result", application_id=application_id)
            )
    db.session.commit()
    session["prints"][application.public_id] = kept + [c.public_id for c in again]
    session.modified = True
    return _to("kiosk.result", application)


@bp.post(ONE + "/review-request")
@require_person
def request_review(application_id: str) -> Any:
    """A person may have an automated refusal looked at by a person (个人信息
    保护法第二十四条): one tap, the reason is the request itself."""
    application = _application(application_id)
    try:
        decisions.request_review(
            application,
            actor=actor_label(application, caller()),
            channel="kiosk",
            reason="申请人在自助终端申请人工复核",
            calendar=calendar(),
            now=g.now,
        )
    except GovCoreError as error:
        db.session.rollback()
        return _problem(
            error, back=url_for("kiosk.result", application_id=application_id)
        )
    db.session.commit()
    session["review_requested"] = application.public_id
    return _to("kiosk.result", application)


# ------------------------------------------------------------ the end


@bp.get(ONE + "/rate")
@require_person
def rate(application_id: str) -> Any:
    application = _application(application_id)
    if rating_of(application) is not None:
        return redirect(url_for("kiosk.finish"))
    return render_template(
        "kiosk/rate.html",
        application=application,
        good=GOOD_REASONS,
        bad=BAD_REASONS,
        prompt="rating",
    )


@bp.post(ONE + "/rate")
@require_person
def save_rating(application_id: str) -> Any:
    application = _application(application_id)
    try:
        rate_service(
            application,
            caller(),
            stars=int(request.form.get("stars", "0")),
            reasons=request.form.getlist("reasons"),
            now=g.now,
        )
    except ValueError:
        return _problem(ValidationError("请选择星级", field="stars"))
    except ConflictError:
        db.session.rollback()  # rated already: nothing to do
    except GovCoreError as error:
        db.session.rollback()
        return _problem(error)
    db.session.commit()
    return redirect(url_for("kiosk.finish"))


@bp.get("/finish")
@require_person
def finish() -> str:
    """“请取走身份证和材料”: the session ends when the card leaves the reader."""
    return render_template("kiosk/finish.html", prompt="end")


def _problem(error: GovCoreError, back: str | None = None) -> tuple[str, int]:
    status = 409 if isinstance(error, ConflictError) else 422
    return (
        render_template(
            "kiosk/problem.html",
            message=_(error.message),
            back=back or url_for("kiosk.home"),
        ),
        status,
    )
