"""Kiosk terminals: registry, device health, and the agent protocol (server side)."""

from govcore.terminals.commands import (
    MAX_SCAN_PAGES,
    add_scan_page,
    discard_scan,
    document_to_print,
    print_again,
    print_results,
    queue_command,
    request_print,
    request_receipt,
    request_scan,
    scanned_pages,
    take_commands,
)
from govcore.terminals.fleet import FleetRow, fleet
from govcore.terminals.models import Terminal, TerminalCommand, TerminalEvent
from govcore.terminals.service import (
    HEARTBEAT_STALE,
    MAX_SKEW,
    EventOutcome,
    authenticate,
    online,
    record_event,
    register,
    revoke,
    rotate_secret,
)

__all__ = [
    "HEARTBEAT_STALE",
    "MAX_SCAN_PAGES",
    "MAX_SKEW",
    "EventOutcome",
    "FleetRow",
    "Terminal",
    "TerminalCommand",
    "TerminalEvent",
    "add_scan_page",
    "authenticate",
    "discard_scan",
    "document_to_print",
    "fleet",
    "online",
    "print_again",
    "print_results",
    "queue_command",
    "record_event",
    "register",
    "request_print",
    "request_receipt",
    "request_scan",
    "rotate_secret",
    "scanned_pages",
    "take_commands",
]
