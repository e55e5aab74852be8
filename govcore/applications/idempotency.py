"""Idempotent requests: the same ``Idempotency-Key`` gets the same answer.

Following the IETF Idempotency-Key draft and Stripe's practice: the first
request with a key reserves it (a row committed before the work starts); a
repeat with the same body gets the first response replayed; a repeat with a
different body is an error (422); a repeat while the first is still running is
a conflict (409). Only a successful response is kept: a failed attempt frees
the key, so the client can correct the request and retry with it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from govcore.applications.models import IdempotencyRecord
from govcore.db import db
from govcore.errors import ConflictError, ValidationError

KEY_MAX = 255
KEEP_FOR = timedelta(hours=24)


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
    owner: str, key: str, request_fingerprint: str, *, now: datetime
) -> Replay | int:
    """Reserve ``key`` for a request, or say how to answer a repeat.

    :return: the id of the reserved record, or the :class:`Replay` of the first
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
        db.session.commit()
        return record.id
    except sa.exc.IntegrityError:
        db.session.rollback()
    first = db.session.scalar(
        sa.select(IdempotencyRecord).where(
            IdempotencyRecord.owner == digest, IdempotencyRecord.key == key
        )
    )
    if first is None:  # freed between our insert and this read: try again
        return begin(owner, key, request_fingerprint, now=now)
    if first.fingerprint != request_fingerprint:
        raise ValidationError(
            "同一 Idempotency-Key 不能用于不同的请求（key reused with another request）",
            field="Idempotency-Key",
            code="idempotency_key_reused",
        )
    if first.status_code is None:
        raise ConflictError(
            "相同的请求正在处理中，请稍候（request with this key in progress）",
            code="idempotency_in_flight",
        )
    return Replay(first.status_code, first.body or {})


def finish(
    record_id: int, status_code: int, body: dict[str, Any], *, now: datetime
) -> None:
    """Keep a successful response for replay, or free the key after a failure."""
    db.session.rollback()
    record = db.session.get(IdempotencyRecord, record_id)
    if record is None:
        return
    if 200 <= status_code < 300:
        record.status_code = status_code
        record.body = body
        record.completed_at = now
    else:
        db.session.delete(record)
    db.session.commit()


def prune(*, now: datetime) -> int:
    """Forget keys older than :data:`KEEP_FOR`."""
    deleted = db.session.execute(
        sa.delete(IdempotencyRecord).where(
            IdempotencyRecord.created_at < now - KEEP_FOR
        )
    ).rowcount
    db.session.commit()
    return deleted
