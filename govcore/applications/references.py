"""办件编号: readable, unique reference numbers such as ``LH20261128-00042``.

``LH`` (龙湖), the district date of creation, and a per-day sequence. The
sequence comes from one counter row per day, incremented with a single
``UPDATE … RETURNING`` statement: PostgreSQL locks the row for the rest of the
transaction and SQLite locks the database, so two concurrent creations never
get the same number. A rolled-back creation leaves a gap, which is harmless: a
reference number need not be gap-free, only unique (the UNIQUE constraint on
``application.reference_no`` is the last line of defence).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from govcore.applications.models import ReferenceCounter
from govcore.clock import local_date
from govcore.db import db

PREFIX = "LH"


def next_reference_no(now: datetime) -> str:
    """Return a new reference number for an application created at ``now``."""
    day = local_date(now).strftime("%Y%m%d")
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(ReferenceCounter)
        .values(day=day, last=0)
        .on_conflict_do_nothing(index_elements=["day"])
    )
    number = db.session.execute(
        sa.update(ReferenceCounter)
        .where(ReferenceCounter.day == day)
        .values(last=ReferenceCounter.last + 1)
        .returning(ReferenceCounter.last)
    ).scalar_one()
    return f"{PREFIX}{day}-{number:05d}"
