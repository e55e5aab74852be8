"""The server side of the terminal agent protocol (ARCHITECTURE §2).

A terminal authenticates with its code and a 256-bit secret (stored as its
SHA-256; shown once at registration, revocable at once). Every event carries
an id and the time it was sent: an event older than :data:`MAX_SKEW` is
refused as a replay, and an id seen before is acknowledged without effect, so
an agent may resend after a lost connection. Commands are fetched by the
terminal (outbound only; no port is open on the kiosk), delivered once, and
finished with a result.
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
from govcore.certificates.models import ResultDocument
from govcore.db import db
from govcore.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from govcore.terminals.models import Terminal, TerminalCommand, TerminalEvent

MAX_SKEW = timedelta(minutes=5)
HEARTBEAT_STALE = timedelta(seconds=90)  # no word for this long: offline
EVENT_KINDS = frozenset(
    {
        "heartbeat",
        "device_state",
        "card_inserted",
        "card_removed",
        "scan_ready",
        "print_finished",
        "print_failed",
    }
)
COMMAND_KINDS = frozenset({"print_document", "print_receipt", "scan"})


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
    if kind not in EVENT_KINDS:
        raise ValidationError(f"未知事件 {kind}", field="kind")
    if not 8 <= len(event_id) <= 64:
        raise ValidationError("事件编号须为 8-64 个字符", field="event_id")
    if abs(now - sent_at) > MAX_SKEW:
        raise AuthenticationError("事件时间超出允许范围（stale or replayed event）")
    try:
        with db.session.begin_nested():
            db.session.add(
                TerminalEvent(
                    terminal_id=terminal.id,
                    event_id=event_id,
                    kind=kind,
                    sent_at=sent_at,
                    received_at=now,
                )
            )
    except sa.exc.IntegrityError:
        return EventOutcome(False, event_id)
    terminal.last_seen_at = now
    if kind == "heartbeat":
        _forget_old_events(terminal, now)
    if kind in ("heartbeat", "device_state"):
        _note_devices(terminal, data.get("devices", {}), now)
    if kind in ("print_finished", "print_failed"):
        _finish(terminal, data, kind == "print_finished", now)
    return EventOutcome(True, event_id)


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


def queue_command(
    terminal: Terminal, kind: str, payload: dict[str, Any], *, now: datetime
) -> TerminalCommand:
    if kind not in COMMAND_KINDS:
        raise ValidationError(f"未知指令 {kind}", field="kind")
    command = TerminalCommand(
        public_id=secrets.token_hex(16),
        terminal_id=terminal.id,
        kind=kind,
        payload=payload,
        status="queued",
        created_at=now,
    )
    db.session.add(command)
    db.session.flush()
    return command


def take_commands(terminal: Terminal, *, now: datetime) -> list[TerminalCommand]:
    """The terminal's queued commands, marked delivered (each is handed out once)."""
    commands = list(
        db.session.scalars(
            sa.select(TerminalCommand)
            .where(
                TerminalCommand.terminal_id == terminal.id,
                TerminalCommand.status == "queued",
            )
            .order_by(TerminalCommand.id)
            .with_for_update(skip_locked=True)
        )
    )
    for command in commands:
        command.status, command.delivered_at = "delivered", now
    terminal.last_seen_at = now
    return commands


def _finish(terminal: Terminal, data: dict[str, Any], ok: bool, now: datetime) -> None:
    command = db.session.scalar(
        sa.select(TerminalCommand).where(
            TerminalCommand.terminal_id == terminal.id,
            TerminalCommand.public_id == str(data.get("command", "")),
        )
    )
    if command is None:
        raise NotFoundError("指令不存在（command not found）")
    command.status = "done" if ok else "failed"
    command.finished_at = now
    command.result = {
        "reasons": [str(r)[:40] for r in data.get("reasons", [])][:10],
        "message": str(data.get("message", ""))[:100],
    }


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


def document_to_print(terminal: Terminal, document_id: str) -> ResultDocument:
    """The result document a command told ``terminal`` to print.

    :raise NotFoundError: unless one of its commands names the document.
    """
    commanded = db.session.scalar(
        sa.select(TerminalCommand.id).where(
            TerminalCommand.terminal_id == terminal.id,
            TerminalCommand.kind == "print_document",
            TerminalCommand.payload["document"].as_string() == document_id,
        )
    )
    document = db.session.scalar(
        sa.select(ResultDocument).where(ResultDocument.public_id == document_id)
    )
    if commanded is None or document is None:
        raise NotFoundError("文书不存在（document not found）")
    return document
