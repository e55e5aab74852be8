"""数据纠错: the applicants' correction requests on the department's
applications; one request with the stored and the claimed value (masked),
the source and its record; forwarding it to the source's owner and relaying
the answer to the applicant."""

from __future__ import annotations

from typing import Any

from flask import abort, g, redirect, render_template, request, url_for

from backoffice import bp
from backoffice.access import permission
from govcore.applications.corrections import CORRECTION_LABELS
from govcore.clock import DISTRICT_TZ
from govcore.db import db
from govcore.errors import ConflictError, ValidationError
from govcore.staff import correction_desk

OUTCOMES = {"resolved": True, "rejected": False}


@bp.get("/corrections")
@permission("corrections.read")
def corrections() -> Any:
    status = request.args.get("status") or None  # none: every request
    if status is not None and status not in correction_desk.STATUSES:
        abort(404)
    return render_template(
        "admin/corrections.html",
        rows=correction_desk.visible(g.staff, status=status),
        status=status,
        labels=CORRECTION_LABELS,
        tz=DISTRICT_TZ,
    )


@bp.get("/corrections/<string:correction_id>")
@permission("corrections.read")
def correction(correction_id: str) -> Any:
    return _correction_page(correction_id)


@bp.post("/corrections/<string:correction_id>/forward")
@permission("corrections.handle")
def forward_correction(correction_id: str) -> Any:
    """转交: send the request on to the department owning the source."""
    try:
        correction_desk.forward(g.staff, correction_id, now=g.now)
    except (ValidationError, ConflictError) as error:
        return _refused(correction_id, error)
    return redirect(url_for("admin.correction", correction_id=correction_id))


@bp.post("/corrections/<string:correction_id>/answer")
@permission("corrections.handle")
def answer_correction(correction_id: str) -> Any:
    """答复: the source department's answer, which the applicant is told."""
    outcome = request.form.get("outcome", "")
    if outcome not in OUTCOMES:
        error = ValidationError("请选择核实结果：已更正或不予更正", field="outcome")
        return _refused(correction_id, error)
    try:
        correction_desk.answer(
            g.staff,
            correction_id,
            resolved=OUTCOMES[outcome],
            answer=request.form.get("answer", ""),
            now=g.now,
        )
    except (ValidationError, ConflictError) as error:
        return _refused(correction_id, error)
    return redirect(url_for("admin.correction", correction_id=correction_id))


def _refused(correction_id: str, error: ValidationError | ConflictError) -> Any:
    db.session.rollback()
    status = 409 if isinstance(error, ConflictError) else 422
    return _correction_page(correction_id, error=error.message, status=status)


def _correction_page(
    correction_id: str, error: str | None = None, status: int = 200
) -> Any:
    page = render_template(
        "admin/correction.html",
        c=correction_desk.get(g.staff, correction_id),
        labels=CORRECTION_LABELS,
        error=error,
        form=request.form,
        tz=DISTRICT_TZ,
    )
    return page, status
