"""The server side of the terminal agent protocol (ARCHITECTURE §2).

A terminal authenticates with its code and a 256-bit secret (stored as its
SHA-256; shown once at registration, revocable at once). Every event carries
an id and the time it was sent: an event older than :data:`MAX_SKEW` (a
command's result: :data:`RESULT_MAX_AGE`) is refused as a replay with 422,
and the agent drops it; an id seen before is acknowledged without effect, so
an agent may resend after a lost connection. Commands
(:mod:`govcore.terminals.commands`) are fetched by the terminal (outbound
only; no port is open on the kiosk), delivered once, and finished with a
result event.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from govcore import audit
from govcore.db import db
from govcore.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from govcore.terminals import commands, kiosk
from govcore.terminals.models import Terminal, TerminalEvent

MAX_SKEW = timedelta(minutes=5)
RESULT_MAX_AGE = timedelta(days=1)
HEARTBEAT_STALE = timedelta(seconds=90)  # no word for this long: offline
EVENT_KINDS = frozenset(
    {
        "heartbeat",
        "device_state",
        "card_inserted",
        "card_removed",
        "scan_ready",
        "scan_failed",
        "print_finished",
        "print_failed",
    }
)


RESULT_KINDS = frozenset(
    {"print_finished", "print_failed", "scan_ready", "scan_failed"}
)


def register(
    code: str, *, name: str, location: str, now: datetime, actor: str
) -> tuple[Terminal, str]:
    """Register a terminal; return it and its secret (shown once)."""
    code = code.strip().upper()
    if db.session.scalar(sa.select(Terminal.id).where(Terminal.code == code)):
        raise ConflictError(f"终端 {code} 已登记", code="terminal_exists")
    secret = secrets.token_urlsafe(32)
    terminal = Terminal(
        code=code,
        name=name,
        location=location,
        secret_hash=_digest(secret),
        created_at=now,
        devices={},
    )
    db.session.add(terminal)
    db.session.flush()
    audit.record_event(
        "terminal_registered", actor=actor, at=now, target=f"terminal:{code}"
    )
    return terminal, secret


def revoke(code: str, *, now: datetime, actor: str) -> Terminal:
    terminal = _by_code(code)
    terminal.revoked_at = now
    audit.record_event(
        "terminal_revoked", actor=actor, at=now, target=f"terminal:{terminal.code}"
    )
    return terminal


def rotate_secret(code: str, *, now: datetime, actor: str) -> tuple[Terminal, str]:
    """Give a terminal a new secret; return it and the secret (shown once).
    The old secret is refused from the moment this commits, including by a
    long poll already waiting. The audit event names the terminal only.

    :raise NotFoundError: no terminal has that code.
    :raise ConflictError: the terminal is revoked; it stays so, and a
        replacement is registered under a new code.
    """
    terminal = _by_code(code)
    if terminal.revoked_at is not None:
        raise ConflictError(
            f"终端 {terminal.code} 已停用，不能更换密钥；替换的终端请以新编号登记"
            "（terminal revoked: register its replacement under a new code）",
            code="terminal_revoked",
        )
    secret = secrets.token_urlsafe(32)
    terminal.secret_hash = _digest(secret)
    audit.record_event(
        "terminal_secret_rotated",
        actor=actor,
        at=now,
        target=f"terminal:{terminal.code}",
    )
    return terminal, secret


def authenticate(code: str, secret: str) -> Terminal:
    """:raise AuthenticationError: unknown code, wrong secret, or revoked."""
    terminal = db.session.scalar(
        sa.select(Terminal).where(Terminal.code == code.strip().upper())
    )
    expected = terminal.secret_hash if terminal else _digest("")
    if (
        terminal is None
        or not hmac.compare_digest(expected, _digest(secret))
        or terminal.revoked_at is not None
    ):
        raise AuthenticationError("终端认证失败（terminal authentication failed）")
    return terminal


@dataclass(frozen=True)
class EventOutcome:
    accepted: bool  # False: a resend of an event already recorded
    event_id: str


def record_event(
    terminal: Terminal,
    *,
    event_id: str,
    kind: str,
    sent_at: datetime,
    data: dict[str, Any],
    now: datetime,
) -> EventOutcome:
    """Apply an event once. ``data`` is used, not stored: a card's contents
    reach the kiosk session, never the event log."""
    _check(kind, event_id, sent_at, now)
    if not _remember(terminal, event_id, kind, sent_at, now):
        return EventOutcome(False, event_id)
    terminal.last_seen_at = now
    _apply(terminal, kind, data, now)
    return EventOutcome(True, event_id)


def _check(kind: str, event_id: str, sent_at: datetime, now: datetime) -> None:
    if kind not in EVENT_KINDS:
        raise ValidationError(f"未知事件 {kind}", field="kind")
    if not 8 <= len(event_id) <= 64:
        raise ValidationError("事件编号须为 8-64 个字符", field="event_id")
    if sent_at - now > MAX_SKEW or now - sent_at > max_age(kind):
        # Refused, not an authentication failure: the agent drops the event
        # and goes on (a 401 would tell it the terminal was revoked).
        raise ValidationError(
            "事件时间超出允许范围（stale or replayed event）",
            field="sent_at",
            code="stale_event",
        )


def _remember(
    terminal: Terminal, event_id: str, kind: str, sent_at: datetime, now: datetime
) -> bool:
    """Record the event's id; False if it was recorded before."""
    seen = db.session.scalar(
        sa.select(TerminalEvent.id).where(
            TerminalEvent.terminal_id == terminal.id,
            TerminalEvent.event_id == event_id,
        )
    )
    if seen is not None:
        return False
    # No savepoint here: on SQLite (pysqlite) a savepoint that opens the
    # transaction commits it when released, and the event would stay recorded
    # even if applying it failed later. Two copies of one event arriving at
    # the same instant meet the unique constraint instead: the loser is
    # answered 409 and the agent drops it, as the other copy was applied.
    try:
        db.session.add(
            TerminalEvent(
                terminal_id=terminal.id,
                event_id=event_id,
                kind=kind,
                sent_at=sent_at,
                received_at=now,
            )
        )
        db.session.flush()
    except sa.exc.IntegrityError:
        raise ConflictError(
            "同一事件正在处理（duplicate event）", code="duplicate_event"
        ) from None
    return True


def _apply(terminal: Terminal, kind: str, data: dict[str, Any], now: datetime) -> None:
    if kind == "heartbeat":
        _forget_old_events(terminal, now)
    if kind in ("heartbeat", "device_state"):
        _note_devices(terminal, data.get("devices", {}), now)
    if kind == "device_state" and data.get("problem"):
        kiosk.card_problem(terminal, data["problem"], now=now)
    elif kind == "card_inserted":
        kiosk.card_inserted(terminal, data.get("card"), now=now)
    elif kind == "card_removed":
        kiosk.card_removed(terminal, now=now)
    elif kind in RESULT_KINDS:
        commands.finish(terminal, kind, data, now=now)


def max_age(kind: str) -> timedelta:
    """How old an event may arrive. A command's result may come late, after a
    lost connection (the paper did come out), and applying it twice changes
    nothing; everything else is stale after :data:`MAX_SKEW`."""
    return RESULT_MAX_AGE if kind in RESULT_KINDS else MAX_SKEW


def _forget_old_events(terminal: Terminal, now: datetime) -> None:
    """Ids are kept only while a resend could still be accepted: an event
    older than :data:`MAX_SKEW` is refused by its time anyway. (A heartbeat
    every few seconds would otherwise pile up forever.)"""
    db.session.execute(
        sa.delete(TerminalEvent).where(
            TerminalEvent.terminal_id == terminal.id,
            TerminalEvent.received_at < now - 2 * MAX_SKEW,
        )
    )


def _note_devices(terminal: Terminal, devices: Any, now: datetime) -> None:
    if not isinstance(devices, dict):
        raise ValidationError("devices 应为对象", field="devices")
    current = dict(terminal.devices)
    for name, report in devices.items():
        if not isinstance(report, dict) or "state" not in report:
            raise ValidationError(f"设备 {name} 的状态格式有误", field="devices")
        current[str(name)[:40]] = {
            "state": str(report["state"])[:20],
            "reasons": [str(r)[:40] for r in report.get("reasons", [])][:10],
            "message": str(report.get("message", ""))[:100],
            "at": now.isoformat(),
        }
    terminal.devices = current


def online(terminal: Terminal, now: datetime) -> bool:
    return (
        terminal.revoked_at is None
        and terminal.last_seen_at is not None
        and now - terminal.last_seen_at <= HEARTBEAT_STALE
    )


def _by_code(code: str) -> Terminal:
    terminal = db.session.scalar(
        sa.select(Terminal).where(Terminal.code == code.strip().upper())
    )
    if terminal is None:
        raise NotFoundError(f"终端 {code} 不存在")
    return terminal


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
