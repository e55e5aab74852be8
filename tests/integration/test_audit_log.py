"""The audit log is a hash chain: any edit, deletion or reordering shows."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from govcore.audit import AuditEvent, record_event, verify_chain
from govcore.clock import utcnow
from govcore.db import db


def _three_events() -> list[int]:
    now = utcnow()
    ids = []
    for i in range(3):
        event = record_event(
            "prefill_tampered",
            actor="applicant",
            at=now + timedelta(seconds=i),
            target=f"application:{i}",
            details={"field": "birth_date", "n": i},
        )
        ids.append(event.id)
    db.session.commit()
    return ids


def test_an_intact_chain_verifies(app_ctx) -> None:
    _three_events()
    assert verify_chain() is None
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert events[0].prev_hash == "0" * 64
    assert events[1].prev_hash == events[0].hash


def test_an_edited_event_breaks_the_chain(app_ctx) -> None:
    ids = _three_events()
    db.session.execute(
        sa.update(AuditEvent).where(AuditEvent.id == ids[1]).values(actor="staff:1")
    )
    db.session.commit()
    assert verify_chain() == ids[1]


def test_a_deleted_event_breaks_the_chain(app_ctx) -> None:
    ids = _three_events()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == ids[1]))
    db.session.commit()
    assert verify_chain() == ids[2]
