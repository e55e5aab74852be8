"""ESC/POS bytes for a :class:`~govcore.certificates.receipt.Ticket`.

Written through python-escpos, so the same code drives any of its printer
classes (``Network``, ``Usb``, ``Serial``, ``File``); :func:`ticket_bytes`
collects the bytes with the ``Dummy`` printer.

Chinese text: python-escpos encodes text through single-byte code pages and
cannot print CJK, so lines are sent raw in GB18030 after switching the printer
to its Chinese (double-byte) mode with ``FS &``, which most thermal printers
sold in China understand. Styles (``ESC a`` alignment, ``ESC E`` emphasis,
``GS !`` size) apply to Chinese characters too; every line sets all three, so
the stream does not depend on what the previous line left behind. The QR code
is drawn by the printer's firmware (``GS ( k``), which is sharper and far
shorter than a raster image.
"""

from __future__ import annotations

from collections.abc import Callable

from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from escpos.printer import Dummy

from devices.printers.escpos_status import receipt_status
from govcore.ports import (
    DeviceStatus,
    ReceiptPrinter,
    Cut,
    Feed,
    QrCode,
    Rule,
    Text,
    Ticket,
    TicketElement,
)

__all__ = [
    "CHINESE_MODE_OFF",
    "CHINESE_MODE_ON",
    "EscposReceiptPrinter",
    "ticket_bytes",
    "write_ticket",
]

CHINESE_MODE_ON = b"\x1c\x26"  # FS &
CHINESE_MODE_OFF = b"\x1c\x2e"  # FS .
ENCODING = "gb18030"


def ticket_bytes(ticket: Ticket) -> bytes:
    """The ESC/POS byte stream that prints ``ticket``."""
    printer = Dummy()
    write_ticket(printer, ticket)
    return printer.output


def write_ticket(printer: Escpos, ticket: Ticket) -> None:
    """Send ``ticket`` to ``printer``: initialise (``ESC @``), enter Chinese
    mode, print every element, leave Chinese mode."""
    printer.hw("INIT")
    printer._raw(CHINESE_MODE_ON)
    for element in ticket.elements:
        _WRITERS[type(element)](printer, element, ticket)
    printer._raw(CHINESE_MODE_OFF)


def _text(printer: Escpos, element: Text, ticket: Ticket) -> None:
    # custom_size sends GS !, which sizes Chinese characters too (the ESC !
    # that double_width/double_height send affects only single-byte ones).
    size = 2 if element.double else 1
    printer.set(
        align=element.align.value,
        bold=element.bold,
        custom_size=True,
        width=size,
        height=size,
    )
    # python-escpos has no public call for raw bytes; _raw is what its own
    # methods use.
    printer._raw(_printable(element.text).encode(ENCODING) + b"\n")
    if element.bold or element.double:
        printer.set(bold=False, custom_size=True, width=1, height=1)


def _printable(text: str) -> str:
    """``text`` without control characters, which the printer would take for
    commands (a name or address is data, never a command)."""
    return "".join(char for char in text if char >= " " and char != "\x7f")


def _rule(printer: Escpos, element: Rule, ticket: Ticket) -> None:
    printer.set(align="left")
    printer._raw(b"-" * ticket.columns + b"\n")


def _qr(printer: Escpos, element: QrCode, ticket: Ticket) -> None:
    printer.set(align="center")
    printer.qr(element.data, ec=QR_ECLEVEL_M, size=element.module_size, native=True)
    printer._raw(b"\n")
    printer.set(align="left")


def _feed(printer: Escpos, element: Feed, ticket: Ticket) -> None:
    printer.print_and_feed(element.lines)


def _cut(printer: Escpos, element: Cut, ticket: Ticket) -> None:
    printer.cut()


_WRITERS: dict[type, Callable[[Escpos, TicketElement, Ticket], None]] = {
    Text: _text,
    Rule: _rule,
    QrCode: _qr,
    Feed: _feed,
    Cut: _cut,
}


class EscposReceiptPrinter(ReceiptPrinter):
    """The receipt-printer port over any python-escpos connection
    (``Network(host, 9100)``, ``Usb``, ``Serial``, ``File``)."""

    def __init__(self, printer: Escpos, width_mm: int = 58) -> None:
        self.printer = printer
        self.width_mm = width_mm

    def print_ticket(self, ticket: Ticket) -> None:
        write_ticket(self.printer, ticket)

    def status(self) -> DeviceStatus:
        """The paper status (``DLE EOT 4``); UNKNOWN when the printer does not
        answer."""
        return receipt_status(self.printer)
