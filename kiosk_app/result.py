"""Submitting, the result in plain words, its printing (followed live,
reprinted after a fault), a human review of a refusal, the rating and the
way out."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, redirect, render_template, request, session, url_for

from govcore import applications as apps
from govcore import decisions, terminals
from govcore.applications import Application, Status
from govcore.applications.access import actor_label
from govcore.db import db
from govcore.errors import ConflictError, GovCoreError, ValidationError
from govcore.ratings import BAD_REASONS, GOOD_REASONS, rating_of
from govcore.ratings import rate as rate_service
from govcore.terminals.commands import command_of
from kiosk_app import bp
from kiosk_app.context import caller, require_person
from kiosk_app.present import form_rows, material_rows, print_rows, result_view
from kiosk_app.services import calendar, data_source, documents
from kiosk_app.steps import ONE, application_of, go, next_step, problem

# ------------------------------------------------------------ submit


@bp.get(ONE + "/confirm")
@require_person
def confirm(application_id: str) -> Any:
    application = application_of(application_id)
    if application.status is not Status.DRAFT:
        return next_step(application)
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
    application = application_of(application_id)
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
            return problem(error)
        return go("kiosk.result", application_of(application_id))
    except GovCoreError as error:
        db.session.rollback()
        return problem(
            error, back=url_for("kiosk.materials", application_id=application_id)
        )
    print_results(application)
    return go("kiosk.result", application)


def print_results(application: Application) -> None:
    """Print the decision's documents at this terminal; the page follows them."""
    commands = terminals.print_results(
        g.terminal,
        application.id,
        actor=actor_label(application, caller()),
        now=g.now,
    )
    db.session.commit()
    session.setdefault("prints", {})[application.public_id] = [
        c.public_id for c in commands
    ]
    session.modified = True


# ------------------------------------------------------------ the result


@bp.get(ONE + "/result")
@require_person
def result(application_id: str) -> Any:
    application = application_of(application_id)
    if application.status is Status.DRAFT:
        return go("kiosk.form", application)
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
    application = application_of(application_id)
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
    application = application_of(application_id)
    kept, again = [], []
    for command in _commands(application):
        if command.status != "failed":
            kept.append(command.public_id)
            continue
        try:
            again.append(terminals.print_again(g.terminal, command, now=g.now))
        except GovCoreError as error:
            db.session.rollback()
            return problem(
                error, back=url_for("kiosk.result", application_id=application_id)
            )
    db.session.commit()
    session["prints"][application.public_id] = kept + [c.public_id for c in again]
    session.modified = True
    return go("kiosk.result", application)


@bp.post(ONE + "/review-request")
@require_person
def request_review(application_id: str) -> Any:
    """A person may have an automated refusal looked at by a person (个人信息
    保护法第二十四条): one tap, the reason is the request itself."""
    application = application_of(application_id)
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
        return problem(
            error, back=url_for("kiosk.result", application_id=application_id)
        )
    db.session.commit()
    session["review_requested"] = application.public_id
    return go("kiosk.result", application)


# ------------------------------------------------------------ the end


@bp.get(ONE + "/rate")
@require_person
def rate(application_id: str) -> Any:
    application = application_of(application_id)
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
    application = application_of(application_id)
    try:
        rate_service(
            application,
            caller(),
            stars=int(request.form.get("stars", "0")),
            reasons=request.form.getlist("reasons"),
            now=g.now,
        )
    except ValueError:
        return problem(ValidationError("请选择星级", field="stars"))
    except ConflictError:
        db.session.rollback()  # rated already: nothing to do
    except GovCoreError as error:
        db.session.rollback()
        return problem(error)
    db.session.commit()
    return redirect(url_for("kiosk.finish"))


@bp.get("/finish")
@require_person
def finish() -> str:
    """“请取走身份证和材料”: the session ends when the card leaves the reader."""
    return render_template("kiosk/finish.html", prompt="end")
