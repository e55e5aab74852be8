"""Device ports: what the core asks of the kiosk's hardware.

Drivers in ``devices/`` implement them (real ones and simulators); the core
never imports a driver. The device issue extends this module with the ID card
reader, the A4 printer and the scanner.
"""

from __future__ import annotations

import abc

from govcore.certificates.receipt import (
    Align,
    Cut,
    Feed,
    QrCode,
    Rule,
    Text,
    Ticket,
    TicketElement,
)

__all__ = [
    "Align",
    "Cut",
    "Feed",
    "QrCode",
    "ReceiptPrinter",
    "Rule",
    "Text",
    "Ticket",
    "TicketElement",
]


class ReceiptPrinter(abc.ABC):
    """The 58/80 mm thermal printer of a kiosk."""

    width_mm: int

    @abc.abstractmethod
    def print_ticket(self, ticket: Ticket) -> None:
        """Print ``ticket`` and cut the paper.

        :raise UnavailableError: if the printer cannot print now.
        """
