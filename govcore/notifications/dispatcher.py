"""Delivering the outbox: fan out due messages, claim deliveries, call channels.

One call of :func:`dispatch_due` does three short transactions and then one
per delivery:

1. **Fan out.** Due messages (``not_before`` passed, not cancelled, not yet
   handed out) get one ``pending`` delivery row per channel of this worker,
   and ``sent_at`` set, in one transaction.
2. **Claim.** Due deliveries (``pending``, or ``failed`` whose
   ``next_attempt_at`` passed, or ``sending`` whose lease ran out) become
   ``sending`` with ``attempts + 1`` and the worker's name, and the claim is
   committed *before* any gateway is called. Both steps are one
   ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``: on
   PostgreSQL concurrent workers skip each other's rows, so no two workers
   ever claim the same delivery; SQLite has no row locks but takes its single
   write lock at the UPDATE, which serialises workers the same way.
3. **Attempt.** For each claimed delivery the channel is called, then the
   outcome is recorded: ``sent``; ``failed`` with ``next_attempt_at = now +
   base × 2^(attempts−1)``; ``dead`` after the last attempt or on a
   permanent failure; ``skipped`` if the channel cannot reach the person.

**At-least-once, made idempotent.** A worker that dies between calling the
gateway and recording the outcome leaves a ``sending`` row; after the lease
another worker claims it again, so the message may be sent twice. That is
chosen over at-most-once (losing a decision notice is worse than a duplicate
SMS), and the duplicate is absorbed downstream: the SMS gateway deduplicates
by ``request_id`` (the event id), and the inbox keeps one item per message.
The mini-program platform has no idempotency key; a duplicate there needs a
crash inside the few seconds of a call. The lease must be longer than the
slowest call (gateway timeouts are seconds; the lease is minutes).
Duplicates *upstream* (the same business event enqueued twice) are removed by
the unique ``event_id`` when enqueueing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from govcore.db import db
from govcore.notifications.models import (
    RETRYABLE,
    DeliveryStatus,
    NotificationDelivery,
)
from govcore.notifications.outbox import OutboxMessage
from govcore.notifications.ports import (
    Channel,
    DeliveryResult,
    PermanentDeliveryError,
    RecipientUnreachableError,
    TemporaryDeliveryError,
)
from govcore.notifications.views import message_view

logger = logging.getLogger(__name__)

D = NotificationDelivery
S = DeliveryStatus


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to try.

    :param base_delay: the wait after the first failed attempt; it doubles
        after each further one (30 s, 1 min, 2 min, 4 min, 8 min by default).
    :param max_attempts: attempts before a delivery is dead.
    :param lease: how long a claimed delivery may stay ``sending`` before
        another worker takes it over (the worker is presumed dead).
    """

    base_delay: timedelta = timedelta(seconds=30)
    max_attempts: int = 6
    lease: timedelta = timedelta(minutes=5)

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt."""
        return self.base_delay * 2 ** max(attempts - 1, 0)


@dataclass
class DispatchReport:
    """What one :func:`dispatch_due` call did (counts of deliveries)."""

    fanned_out: int = 0  # messages handed to the channels
    claimed: int = 0
    sent: int = 0
    retrying: int = 0  # failed, to be tried again
    dead: int = 0
    skipped: int = 0
    expired: int = 0  # lease ran out after the last attempt: dead
    lost: int = 0  # lease ran out during the attempt: another worker has it
    released: int = 0  # claimed but handed back unattempted (round too slow)

    @property
    def idle(self) -> bool:
        return not (self.fanned_out or self.claimed or self.expired)


def dispatch_due(
    channels: Sequence[Channel],
    *,
    now: datetime,
    batch: int = 50,
    worker: str = "worker",
    policy: RetryPolicy = RetryPolicy(),
    elapsed: Callable[[], float] | None = None,
) -> DispatchReport:
    """Deliver what is due through ``channels``; commit as it goes.

    Claimed deliveries are attempted one after the other. Once half the lease
    has passed since the claim, the ones not yet attempted are handed back
    (``pending``, attempt not counted): slow gateways must not let the lease
    run out under a claim still waiting its turn, or another worker would
    take it over while this one may still send it.

    :param channels: the channels of this deployment (the inbox at least);
        deliveries of other channels are left to workers that have them.
    :param now: the time of this run.
    :param batch: at most this many messages fanned out and deliveries claimed.
    :param worker: this worker's name, stored on claimed deliveries.
    :param policy: backoff, attempts and lease.
    :param elapsed: seconds since the claim (default: a monotonic stopwatch).
    :return: the counts of what happened.
    """
    by_name = {channel.name: channel for channel in channels}
    names = sorted(by_name)
    report = DispatchReport()
    report.fanned_out = fan_out(names, now=now, batch=batch)
    report.expired = _expire_leases(names, now=now, policy=policy)
    claimed = _claim(names, now, batch, worker, policy)
    elapsed = elapsed or _stopwatch()
    for delivery_id, attempts in claimed:
        report.claimed += 1
        if elapsed() > policy.lease.total_seconds() / 2:
            outcome = _release(delivery_id, attempts, worker, now)
        else:
            outcome = _attempt(delivery_id, attempts, by_name, now, worker, policy)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _stopwatch() -> Callable[[], float]:
    started = time.monotonic()
    return lambda: time.monotonic() - started


def fan_out(channel_names: Iterable[str], *, now: datetime, batch: int = 50) -> int:
    """Give due messages one delivery per channel; commit; return how many."""
    names = list(channel_names)
    guard = (
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.cancelled_at.is_(None),
        OutboxMessage.not_before <= now,
    )
    due = _locked_batch(
        sa.select(OutboxMessage.id)
        .where(*guard)
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(batch)
    )
    rows = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(sa.select(due.c.id)), *guard)
        .values(sent_at=now)
        .returning(OutboxMessage.id, OutboxMessage.recipient_id_number)
        .execution_options(synchronize_session=False)
    ).all()
    for message_id, recipient in rows:
        if recipient is None:
            continue  # nobody to tell: the message is done
        for name in names:
            db.session.add(
                D(
                    message_id=message_id,
                    channel=name,
                    status=S.PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
    db.session.commit()
    return len(rows)


def _locked_batch(query: sa.Select) -> sa.CTE:
    """``query`` locking its rows and skipping rows other workers locked.

    Materialised: as a plain ``IN (subquery)`` PostgreSQL may run the
    subquery again for each row it updates, and each run skips the rows the
    statement has just updated, so ``LIMIT n`` would let more than n through.
    """
    return (
        query.with_for_update(skip_locked=True).cte("batch").prefix_with("MATERIALIZED")
    )


def _claim(
    names: list[str], now: datetime, batch: int, worker: str, policy: RetryPolicy
) -> list[tuple[int, int]]:
    due = sa.or_(
        sa.and_(D.status.in_(RETRYABLE), D.next_attempt_at <= now),
        sa.and_(
            D.status == S.SENDING,
            D.claimed_at < now - policy.lease,
            D.attempts < policy.max_attempts,
        ),
    )
    candidates = _locked_batch(
        sa.select(D.id)
        .where(D.channel.in_(names), due)
        .order_by(D.next_attempt_at, D.id)
        .limit(batch)
    )
    claimed = db.session.execute(
        sa.update(D)
        .where(D.id.in_(sa.select(candidates.c.id)), due)
        .values(
            status=S.SENDING,
            attempts=D.attempts + 1,
            claimed_at=now,
            claimed_by=worker[:80],
            updated_at=now,
        )
        .returning(D.id, D.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted((row[0], row[1]) for row in claimed)


def _expire_leases(names: list[str], *, now: datetime, policy: RetryPolicy) -> int:
    """Deliveries stuck in ``sending`` after their last attempt become dead."""
    count = db.session.execute(
        sa.update(D)
        .where(
            D.channel.in_(names),
            D.status == S.SENDING,
            D.claimed_at < now - policy.lease,
            D.attempts >= policy.max_attempts,
        )
        .values(
            status=S.DEAD,
            last_error="最后一次投递未完成（lease expired after the last attempt）",
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return count


def _release(delivery_id: int, attempts: int, worker: str, now: datetime) -> str:
    db.session.execute(
        sa.update(D)
        .where(
            D.id == delivery_id,
            D.status == S.SENDING,
            D.claimed_by == worker[:80],
            D.attempts == attempts,
        )
        .values(
            status=S.PENDING,
            attempts=attempts - 1,
            claimed_at=None,
            claimed_by=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return "released"


def _attempt(
    delivery_id: int,
    attempts: int,
    channels: dict[str, Channel],
    now: datetime,
    worker: str,
    policy: RetryPolicy,
) -> str:
    """Call the channel once and record the outcome; return the report field."""
    delivery = db.session.get(D, delivery_id)
    assert delivery is not None  # claimed by us, and rows are never deleted alone
    channel = channels[delivery.channel]
    try:
        result = channel.deliver(message_view(delivery.message), now=now)
    except RecipientUnreachableError as exc:
        return _record(delivery_id, attempts, worker, now, S.SKIPPED, exc.message)
    except PermanentDeliveryError as exc:
        return _record(delivery_id, attempts, worker, now, S.DEAD, exc.message)
    except TemporaryDeliveryError as exc:
        return _retry_or_die(delivery_id, attempts, worker, now, policy, exc.message)
    except Exception as exc:  # a bug or an unforeseen adapter error
        # Only the type is kept: an exception text may hold personal data.
        logger.error(
            "notifications: delivery %d via %s raised %s",
            delivery_id,
            channel.name,
            type(exc).__name__,
        )
        reason = f"内部错误（unexpected {type(exc).__name__}）"
        return _retry_or_die(delivery_id, attempts, worker, now, policy, reason)
    try:
        return _record(delivery_id, attempts, worker, now, S.SENT, "", result)
    except sa.exc.IntegrityError:
        # Another worker took the delivery over after our lease ran out and
        # wrote the inbox item first: that one stands.
        db.session.rollback()
        return "lost"


def _retry_or_die(
    delivery_id: int,
    attempts: int,
    worker: str,
    now: datetime,
    policy: RetryPolicy,
    reason: str,
) -> str:
    if attempts >= policy.max_attempts:
        return _record(delivery_id, attempts, worker, now, S.DEAD, reason)
    later = now + policy.delay(attempts)
    return _record(delivery_id, attempts, worker, now, S.FAILED, reason, later=later)


def _record(
    delivery_id: int,
    attempts: int,
    worker: str,
    now: datetime,
    status: DeliveryStatus,
    reason: str,
    result: DeliveryResult | None = None,
    *,
    later: datetime | None = None,
) -> str:
    """Store the outcome if the claim is still ours; commit with the channel's
    own writes (the inbox item) on success, or roll those back otherwise."""
    if status is not S.SENT:
        db.session.rollback()
    values: dict[str, object] = {"status": status, "updated_at": now}
    values["last_error"] = reason[:200]
    if status is S.SENT:
        values.update(sent_at=now, provider_ref=result.provider_ref if result else None)
    if later is not None:
        values["next_attempt_at"] = later
    updated = db.session.execute(
        sa.update(D)
        .where(
            D.id == delivery_id,
            D.status == S.SENDING,
            D.claimed_by == worker[:80],
            D.attempts == attempts,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not updated:
        db.session.rollback()
        logger.warning("notifications: lost the lease on delivery %d", delivery_id)
        return "lost"
    db.session.commit()
    if status is not S.SENT:
        logger.warning(
            "notifications: delivery %d attempt %d: %s (%s)",
            delivery_id,
            attempts,
            status.value,
            reason,
        )
    return {
        S.SENT: "sent",
        S.FAILED: "retrying",
        S.DEAD: "dead",
        S.SKIPPED: "skipped",
    }[status]
