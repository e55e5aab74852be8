"""Append-only audit events, each chained to the one before by its hash.

Every event stores the SHA-256 of the previous event's hash and its own
canonical content, so deleting, reordering or editing a row breaks the chain
and :func:`verify_chain` finds where. Personal data never goes in: callers pass
references (a public application id, a masked ID number), never raw numbers.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from govcore.db import db

GENESIS = "0" * 64
# One lock key for the chain: concurrent writers on PostgreSQL take turns, so
# every event links to the true previous one.
_CHAIN_LOCK_KEY = 0x6D69616F  # "miao"


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    actor: Mapped[str] = mapped_column(sa.String(80))
    target: Mapped[str] = mapped_column(sa.String(80), default="")
    details: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    def content_hash(self) -> str:
        return _digest(
            self.prev_hash, self.at, self.action, self.actor, self.target, self.details
        )


def record_event(
    action: str,
    *,
    actor: str,
    at: datetime,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event to the chain in the current transaction.

    :param action: what happened, e.g. ``prefill_tampered``.
    :param actor: who did it, as a reference (``applicant``, ``staff:7``, ``system``).
    :param target: what it concerned, e.g. ``application:<public id>``.
    :param details: further facts; no raw personal data.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY}
        )
    prev = db.session.scalar(
        sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    )
    event = AuditEvent(
        at=at.astimezone(timezone.utc),
        action=action,
        actor=actor,
        target=target,
        details=details or {},
        prev_hash=prev or GENESIS,
    )
    event.hash = event.content_hash()
    db.session.add(event)
    db.session.flush()
    return event


def verify_chain() -> int | None:
    """Return the id of the first event that breaks the chain, or ``None``."""
    prev = GENESIS
    for event in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)):
        if event.prev_hash != prev or event.hash != event.content_hash():
            return event.id
        prev = event.hash
    return None


def search_events(
    *,
    action: str | None = None,
    actor: str | None = None,
    target: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[AuditEvent]:
    """Events matching every given filter (``action`` exact; ``actor`` and
    ``target`` by prefix), the newest first."""
    query = sa.select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor.startswith(actor, autoescape=True))
    if target:
        query = query.where(AuditEvent.target.startswith(target, autoescape=True))
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    return list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))


def _digest(prev: str, at: datetime, *fields: Any) -> str:
    canonical = json.dumps(
        [prev, at.isoformat(timespec="microseconds"), *fields],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
