"""人工审核: the department's review queue, soonest due first (or only the
tasks assigned to me); one application with where each value came from, the
rule trace and the materials; the decision with its reason; assigning a task
to an approver of the department."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, g, redirect, render_template, request
from flask import url_for

from backoffice import bp
from backoffice.access import permission
from govcore import applications as apps
from govcore.applications import MaterialKind, material_states
from govcore.applications.display import masked, source_of
from govcore.certificates.issuance import available
from govcore.clock import local_date
from govcore.db import db
from govcore.decisions import checks_for_reviewer, latest_decision
from govcore.errors import ConflictError, GovCoreError, ValidationError
from govcore.staff import review_desk


@bp.get("/reviews")
@permission("review.read")
def reviews() -> Any:
    status = request.args.get("status", "open")
    mine = request.args.get("mine") == "1"
    if status not in review_desk.TASK_STATUSES:
        abort(404)
    tasks = review_desk.visible_tasks(g.staff, status=status, mine=mine)
    return render_template(
        "admin/reviews.html",
        tasks=tasks,
        assignees=review_desk.names_of(t.assigned_to for t in tasks),
        status=status,
        mine=mine,
        today=local_date(g.now),
    )


@bp.get("/reviews/<string:task_id>")
@permission("review.read")
def review(task_id: str) -> Any:
    return _review_page(task_id)


@bp.post("/reviews/<string:task_id>/decision")
@permission("review.decide")
def decide(task_id: str) -> Any:
    choice = request.form.get("decision")
    reason = request.form.get("reason", "").strip()
    if choice not in ("approve", "refuse"):
        return _review_page(task_id, error="请选择批准或不予批准", status=422)
    try:
        review_desk.decide(
            g.staff,
            task_id,
            approve=choice == "approve",
            reason=reason,
            documents=available(current_app.extensions["miaopi.documents"]),
            now=g.now,
        )
    except GovCoreError as error:
        db.session.rollback()
        return _review_page(task_id, error=error.message, status=422)
    return redirect(url_for("admin.reviews"))


@bp.post("/reviews/<string:task_id>/assign")
@permission("review.assign")
def assign(task_id: str) -> Any:
    """指派: hand the task to an approver of the department (or take it)."""
    try:
        review_desk.assign(
            g.staff, task_id, assignee=request.form.get("assignee", ""), now=g.now
        )
    except (ValidationError, ConflictError) as error:
        db.session.rollback()
        status = 409 if isinstance(error, ConflictError) else 422
        return _review_page(task_id, error=error.message, status=status)
    return redirect(url_for("admin.review", task_id=task_id))


@bp.get("/reviews/<string:task_id>/files/<string:upload_id>")
@permission("review.read")
def review_file(task_id: str, upload_id: str) -> Response:
    task = review_desk.get_task(g.staff, task_id)
    record = apps.find_upload(task.application, upload_id)
    content = current_app.extensions["miaopi.filestore"].read(record.file_name or "")
    return Response(
        content,
        mimetype=record.media_type,
        headers={"X-Content-Type-Options": "nosniff"},
    )


def _review_page(task_id: str, error: str | None = None, status: int = 200) -> Any:
    task = review_desk.get_task(g.staff, task_id)
    application = task.application
    spec = application.item_version.spec
    form = {f.key: f for f in spec.form}
    decision = latest_decision(application)
    page = render_template(
        "admin/review.html",
        task=task,
        application=application,
        values=[
            {
                "label": form[v.key].label,
                "value": masked(form[v.key], v.value),
                "origin": v.origin.value,
                "source": source_of(v)["name"] if v.source_path else "",
            }
            for v in application.values
            if v.key in form
        ],
        checks=checks_for_reviewer(decision) if decision else [],
        decision=decision,
        assignee=review_desk.names_of([task.assigned_to]).get(task.assigned_to or 0),
        approvers=review_desk.approvers(task.department_id),
        materials=[
            {
                "name": s.material.name,
                "label": s.label,
                "uploads": [
                    r.public_id for r in s.records if r.kind is MaterialKind.UPLOAD
                ],
            }
            for s in material_states(application)
        ],
        error=error,
    )
    return page, status
