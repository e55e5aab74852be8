"""办件编号: readable, unique reference numbers such as ``LH20261128-00042``.

``LH`` (龙湖), the district date of creation, and a per-day sequence. The
sequence comes from one counter row per day (:func:`govcore.db.next_in_sequence`),
so two concurrent creations never get the same number; a rolled-back creation
leaves a harmless gap (the UNIQUE constraint on ``application.reference_no``
is the last line of defence).
"""

from __future__ import annotations

from datetime import datetime

from govcore.applications.models import ReferenceCounter
from govcore.clock import local_date
from govcore.db import next_in_sequence

PREFIX = "LH"


def next_reference_no(now: datetime) -> str:
    """Return a new reference number for an application created at ``now``."""
    day = local_date(now).strftime("%Y%m%d")
    number = next_in_sequence(ReferenceCounter, "day", day)
    return f"{PREFIX}{day}-{number:05d}"
