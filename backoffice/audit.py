"""审计日志: the auditor searches the append-only log and exports it."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from flask import Response, g, render_template, request

from backoffice import bp
from backoffice.access import permission
from govcore import audit
from govcore.clock import DISTRICT_TZ, day_start

EXPORT_LIMIT = 10_000


def _filters() -> tuple[dict[str, Any], dict[str, str]]:
    """The search form's filters for the core, and as typed (for the form)."""
    typed = {k: request.args.get(k, "").strip() for k in ("action", "actor", "target")}
    typed.update({k: request.args.get(k, "") for k in ("since", "until")})
    filters: dict[str, Any] = {
        k: typed[k] or None for k in ("action", "actor", "target")
    }
    for key, shift in (("since", 0), ("until", 1)):
        try:
            day = date.fromisoformat(typed[key]) if typed[key] else None
        except ValueError:
            day = None
            typed[key] = ""
        if day:
            filters[key] = day_start(day + timedelta(days=shift))
    return filters, typed


@bp.get("/audit")
@permission("audit.read")
def audit_log() -> Any:
    filters, typed = _filters()
    broken = audit.verify_chain()
    return render_template(
        "admin/audit.html",
        events=audit.search_events(**filters, limit=200),
        typed=typed,
        broken=broken,
        tz=DISTRICT_TZ,
    )


@bp.get("/audit.csv")
@permission("audit.read")
def audit_export() -> Response:
    filters, _ = _filters()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "at", "action", "actor", "target", "details", "hash"])
    for event in audit.search_events(**filters, limit=EXPORT_LIMIT):
        writer.writerow(
            [
                event.id,
                event.at.isoformat(),
                event.action,
                event.actor,
                event.target,
                event.details,
                event.hash,
            ]
        )
    stamp = g.now.astimezone(DISTRICT_TZ).strftime("%Y%m%d-%H%M")
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM, so spreadsheet programs read UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )
