"""Kiosk terminals: registry, device health, and the agent protocol (server side)."""

from govcore.terminals.models import Terminal, TerminalCommand, TerminalEvent
from govcore.terminals.service import (
    HEARTBEAT_STALE,
    MAX_SKEW,
    EventOutcome,
    authenticate,
    document_to_print,
    online,
    queue_command,
    record_event,
    register,
    revoke,
    take_commands,
)

__all__ = [
    "HEARTBEAT_STALE",
    "MAX_SKEW",
    "EventOutcome",
    "Terminal",
    "TerminalCommand",
    "TerminalEvent",
    "authenticate",
    "document_to_print",
    "online",
    "queue_command",
    "record_event",
    "register",
    "revoke",
    "take_commands",
]
