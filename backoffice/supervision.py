"""事后监管: the department's checks of approvals made on a commitment, soonest
due first; drawing now; one check with what was committed and why it was
drawn; its conclusion, where a false commitment revokes and is recorded."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g, redirect, render_template, request, url_for

from backoffice import bp
from backoffice.access import permission
from govcore import supervision
from govcore.clock import local_date
from govcore.db import db
from govcore.errors import ConflictError, GovCoreError, ValidationError


@bp.get("/supervision")
@permission("supervision.read")
def supervision_tasks() -> Any:
    """The open (or closed) checks of my department, with a run's counts."""
    status = request.args.get("status", "open")
    if status not in supervision.TASK_STATUSES:
        abort(404)
    run_id = request.args.get("run")
    return render_template(
        "admin/supervision/tasks.html",
        checks=supervision.tasks(g.staff, status=status),
        status=status,
        today=local_date(g.now),
        run=supervision.get_run(g.staff, run_id) if run_id else None,
        nothing_sampled=request.args.get("sampled") == "none",
        outcomes=supervision.OUTCOMES,
        risk_labels=supervision.RISK_LABELS,
    )


@bp.post("/supervision/sample")
@permission("supervision.decide")
def supervision_sample() -> Any:
    """Draw now among my department's approvals not yet considered."""
    report = supervision.run_sampling(
        g.staff,
        now=g.now,
        calendar=current_app.extensions["miaopi.calendar"],
        policy=supervision.SamplingPolicy.from_config(current_app.config),
    )
    if report.run is None:
        return redirect(url_for("admin.supervision_tasks", sampled="none"))
    return redirect(url_for("admin.supervision_tasks", run=report.run.public_id))


@bp.get("/supervision/<string:check_id>")
@permission("supervision.read")
def supervision_check(check_id: str) -> Any:
    return _check_page(check_id)


@bp.post("/supervision/<string:check_id>/outcome")
@permission("supervision.decide")
def supervision_outcome(check_id: str) -> Any:
    """Conclude a check: verified, or a false commitment (confirmed)."""
    outcome = request.form.get("outcome", "")
    if outcome == "false_commitment" and request.form.get("confirm") != "yes":
        return _check_page(check_id, error="请勾选确认承诺不实的处理后果", status=422)
    try:
        supervision.conclude(
            g.staff,
            check_id,
            outcome=outcome,
            note=request.form.get("note", ""),
            now=g.now,
            credit=current_app.extensions["miaopi.credit_register"],
        )
    except GovCoreError as error:
        db.session.rollback()
        return _check_page(check_id, error=error.message, status=_status(error))
    return redirect(url_for("admin.supervision_tasks"))


def _status(error: GovCoreError) -> int:
    if isinstance(error, ValidationError):
        return 422
    return 409 if isinstance(error, ConflictError) else 503


def _check_page(check_id: str, error: str | None = None, status: int = 200) -> Any:
    check = supervision.get_check(g.staff, check_id)
    today = local_date(g.now)
    page = render_template(
        "admin/supervision/check.html",
        detail=supervision.describe(check, today=today),
        check=check,
        today=today,
        outcomes=supervision.OUTCOMES,
        error=error,
    )
    return page, status
