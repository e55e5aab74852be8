"""Idempotent requests: the same ``Idempotency-Key`` gets the same answer.

Following the IETF Idempotency-Key draft and Stripe's practice: the first
request with a key reserves it (a row committed before the work starts); a
repeat with the same body gets the first response replayed; a repeat with a
different body is an error (422); a repeat while the first is still running is
a conflict (409). Only a successful response is kept: a failed attempt frees
the key, so the client can correct the request and retry with it.

A request that loses the database midway (a restart, a network cut) can
neither keep its response nor free its key, which stays "in flight". A
repeat must then tell two cases apart, and the record does so: the request's
first commit of its work also stamps the record's ``completed_at``, in the
same transaction (:func:`marking_work`).

- Not stamped: the work never committed. Once the key has been in flight for
  longer than a lease (longer than any request runs), the first request is
  taken for dead and the repeat takes the reservation over and runs.
- Stamped, without a response: the work is done but its answer was lost. It
  is never run again; the repeat gets 409 ``idempotency_answer_lost`` and the
  client looks the result up (我的办件).

A first request that was only slow, not dead, must then not commit its work
too. A reservation is named by its record and its time (``created_at``, which
a take-over moves): the stamp only goes in where both still match, and where
it cannot, the slow request's commit fails and its work is rolled back
(409 ``idempotency_taken_over``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from govcore.applications.models import IdempotencyRecord
from govcore.db import db
from govcore.errors import ConflictError, ValidationError

KEY_MAX = 255
KEEP_FOR = timedelta(hours=24)
IN_FLIGHT_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Reservation:
    """A key reserved for one request: its record, and when it was reserved."""

    id: int
    at: datetime


@dataclass(frozen=True)
class Replay:
    status_code: int
    body: dict[str, Any]


def owner_digest(owner: str) -> str:
    """The owner as stored: a digest, so no ID number lands in this table."""
    return hashlib.sha256(f"idempotency:{owner}".encode()).hexdigest()


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(
        [method, path, body], sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def begin(
    owner: str,
    key: str,
    request_fingerprint: str,
    *,
    now: datetime,
    lease: timedelta = IN_FLIGHT_LEASE,
) -> Replay | Reservation:
    """Reserve ``key`` for a request, or say how to answer a repeat.

    :param lease: how long a first request may stay in flight before a repeat
        takes its reservation over (the first is then presumed dead).
    :return: the :class:`Reservation`, or the :class:`Replay` of the first
        response.
    :raise ValidationError: ``idempotency_key_invalid`` for a bad key;
        ``idempotency_key_reused`` if the key came with a different request.
    :raise ConflictError: ``idempotency_in_flight`` while the first runs.
    """
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise ValidationError(
            "Idempotency-Key 须为1-255个可打印字符（invalid Idempotency-Key）",
            field="Idempotency-Key",
            code="idempotency_key_invalid",
        )
    digest = owner_digest(owner)
    record = IdempotencyRecord(
        owner=digest, key=key, fingerprint=request_fingerprint, created_at=now
    )
    db.session.add(record)
    try:
        db.session.flush()  # INSERT … RETURNING id: no read after the commit
        reservation = Reservation(record.id, now)
        db.session.commit()
        return reservation
    except sa.exc.IntegrityError:
        db.session.rollback()
    first = db.session.scalar(
        sa.select(IdempotencyRecord).where(
            IdempotencyRecord.owner == digest, IdempotencyRecord.key == key
        )
    )
    if first is None:  # freed between our insert and this read: try again
        return begin(owner, key, request_fingerprint, now=now, lease=lease)
    if first.fingerprint != request_fingerprint:
        raise ValidationError(
            "同一 Idempotency-Key 不能用于不同的请求（key reused with another request）",
            field="Idempotency-Key",
            code="idempotency_key_reused",
        )
    if first.status_code is None and first.completed_at is not None:
        raise ConflictError(
            "该请求已办理，但结果未能送达，请到“我的办件”查看"
            "（request done, its answer was lost）",
            code="idempotency_answer_lost",
        )
    if first.status_code is None:
        if _take_over(first.id, now=now, lease=lease):
            return Reservation(first.id, now)
        raise ConflictError(
            "相同的请求正在处理中，请稍候（request with this key in progress）",
            code="idempotency_in_flight",
        )
    return Replay(first.status_code, first.body or {})


def _take_over(record_id: int, *, now: datetime, lease: timedelta) -> bool:
    """Claim a reservation left in flight for longer than ``lease``; commit."""
    # One UPDATE, so of two repeats racing for the same stale key one wins.
    taken = db.session.execute(
        sa.update(IdempotencyRecord)
        .where(
            IdempotencyRecord.id == record_id,
            IdempotencyRecord.status_code.is_(None),
            IdempotencyRecord.created_at < now - lease,
        )
        .values(created_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return taken == 1


@contextmanager
def marking_work(reservation: Reservation, *, now: datetime) -> Iterator[None]:
    """While the request runs, its commits also stamp the record's ``completed_at``.

    The stamp goes in the transaction of the work itself, so it is there if
    and only if the work was committed, whatever becomes of the answer.

    :raise ConflictError: ``idempotency_taken_over``, from the commit, if a
        repeat took the reservation over meanwhile: the work is not committed.
    """
    session = db.session()

    def stamp(session: sa.orm.Session) -> None:
        if session.in_nested_transaction():
            return  # a savepoint's release: the stamp goes with the real commit
        stamped = session.execute(
            sa.update(IdempotencyRecord)
            .where(_reserved(reservation))
            .values(completed_at=sa.func.coalesce(IdempotencyRecord.completed_at, now))
            .execution_options(synchronize_session=False)
        ).rowcount
        if stamped != 1:
            raise ConflictError(
                "请求处理超时，已由重复的请求接管，本次办理未生效"
                "（request outlived its reservation; not committed）",
                code="idempotency_taken_over",
            )

    sa.event.listen(session, "before_commit", stamp)
    try:
        yield
    finally:
        sa.event.remove(session, "before_commit", stamp)


def finish(
    reservation: Reservation,
    status_code: int,
    body: dict[str, Any],
    *,
    now: datetime,
) -> None:
    """Keep a successful response for replay, or free the key after a failure.

    A key whose work was committed (see :func:`marking_work`) is not freed:
    running the request again would do the work twice. Neither is a key that
    another request has taken over.
    """
    db.session.rollback()
    if 200 <= status_code < 300:
        statement = (
            sa.update(IdempotencyRecord)
            .where(_reserved(reservation))
            .values(status_code=status_code, body=body, completed_at=now)
        )
    else:
        statement = sa.delete(IdempotencyRecord).where(
            _reserved(reservation), IdempotencyRecord.completed_at.is_(None)
        )
    db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.commit()


def _reserved(reservation: Reservation) -> sa.ColumnElement[bool]:
    """The record, if the reservation is still this request's."""
    return sa.and_(
        IdempotencyRecord.id == reservation.id,
        IdempotencyRecord.created_at == reservation.at,
    )


def prune(*, now: datetime) -> int:
    """Forget keys older than :data:`KEEP_FOR`."""
    deleted = db.session.execute(
        sa.delete(IdempotencyRecord).where(
            IdempotencyRecord.created_at < now - KEEP_FOR
        )
    ).rowcount
    db.session.commit()
    return deleted
