"""The terminal fleet at a glance: where each kiosk is, whether it speaks,
its printers' paper and toner, its reader, and today's work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from govcore.applications.models import Application
from govcore.clock import day_bounds, local_date
from govcore.db import db
from govcore.terminals.models import Terminal
from govcore.terminals.service import online

DEVICE_LABELS = {
    "reader": "读卡器",
    "a4_printer": "A4打印机",
    "receipt_printer": "小票打印机",
    "scanner": "扫描仪",
    "photo_decoder": "照片解码",
}


@dataclass(frozen=True)
class FleetRow:
    code: str
    name: str
    location: str
    online: bool
    revoked: bool
    last_seen_at: datetime | None
    devices: list[dict[str, Any]]
    applications_today: int

    @property
    def attention(self) -> bool:
        """Offline, or a device that needs a person (paper out, jam, reader)."""
        return not self.online or any(
            d["state"] in ("needs_attention", "offline") for d in self.devices
        )


def fleet(*, now: datetime, today: date | None = None) -> list[FleetRow]:
    """Every registered terminal, those needing attention first."""
    today = today or local_date(now)
    start, end = day_bounds(today)
    counts = dict(
        db.session.execute(
            sa.select(Application.terminal_id, sa.func.count(Application.id))
            .where(
                Application.terminal_id.is_not(None),
                Application.created_at >= start,
                Application.created_at < end,
            )
            .group_by(Application.terminal_id)
        ).all()
    )
    rows = [
        FleetRow(
            code=t.code,
            name=t.name,
            location=t.location,
            online=online(t, now),
            revoked=t.revoked_at is not None,
            last_seen_at=t.last_seen_at,
            devices=[
                {"name": DEVICE_LABELS.get(name, name), **report}
                for name, report in sorted((t.devices or {}).items())
            ],
            applications_today=counts.get(t.code, 0),
        )
        for t in db.session.scalars(sa.select(Terminal).order_by(Terminal.code))
    ]
    return sorted(rows, key=lambda r: (r.revoked, not r.attention, r.code))
