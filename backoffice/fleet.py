"""终端管理: each kiosk's location, heartbeat, paper and toner, reader, and
today's applications."""

from __future__ import annotations

from typing import Any

from flask import g, render_template

from backoffice import bp
from backoffice.access import permission
from govcore import terminals
from govcore.clock import DISTRICT_TZ


@bp.get("/fleet")
@permission("fleet.read")
def fleet() -> Any:
    rows = terminals.fleet(now=g.now)
    return render_template("admin/fleet.html", rows=rows, tz=DISTRICT_TZ)
