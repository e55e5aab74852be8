"""Paper status of an ESC/POS receipt printer (``DLE EOT 4``).

The printer answers the real-time query ``DLE EOT 4`` (``10 04 04``) with one
byte: bits 1 and 4 are always set and bits 0 and 7 clear (``0x12`` under the
mask ``0x93``); bits 2–3 say the roll is near its end and bits 5–6 that the
paper has run out (``0x72`` in full).

python-escpos's own ``paper_status()`` returns "adequate" when the printer
does not answer at all, so a printer that is switched off or wedged would look
healthy. :func:`receipt_status` asks through ``query_status`` and treats
silence, an empty or malformed answer as UNKNOWN, which the kiosk never takes
for ready.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

from escpos.constants import RT_STATUS_PAPER
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError

from govcore.ports import DeviceState, DeviceStatus

__all__ = ["paper_status_from_byte", "receipt_status"]

_FIXED_MASK = 0x93  # bits that are the same in every valid answer…
_FIXED_BITS = 0x12  # …and their values
_NEAR_END = 0x0C  # paper roll near-end sensor
_PAPER_OUT = 0x60  # paper roll end sensor

DEFAULT_TIMEOUT = 2.0  # seconds a printer gets to answer


def paper_status_from_byte(answer: int) -> DeviceStatus:
    """The status that one ``DLE EOT 4`` answer byte reports."""
    if answer & _FIXED_MASK != _FIXED_BITS:
        return DeviceStatus(
            DeviceState.UNKNOWN, ("invalid-reply",), "小票打印机状态无法识别"
        )
    if answer & _PAPER_OUT:
        return DeviceStatus(DeviceState.NEEDS_ATTENTION, ("media-empty",), "小票纸用完")
    if answer & _NEAR_END:
        return DeviceStatus(DeviceState.WARNING, ("media-low",), "小票纸即将用完")
    return DeviceStatus(DeviceState.READY)


def receipt_status(
    printer: Escpos, *, timeout: float = DEFAULT_TIMEOUT
) -> DeviceStatus:
    """Ask ``printer`` for its paper status.

    :param timeout: how long a network printer gets to answer; other
        connections use their own read timeout.
    :return: READY, WARNING (near end) or NEEDS_ATTENTION (paper out) from the
        answer; UNKNOWN when the printer does not answer or the connection
        cannot read; OFFLINE when it cannot be reached at all.
    """
    try:
        with _read_timeout(printer, timeout):
            answer = printer.query_status(RT_STATUS_PAPER)
    except NotImplementedError:  # Dummy, File: nothing to read from
        return DeviceStatus(
            DeviceState.UNKNOWN, ("no-status-channel",), "小票打印机不回报状态"
        )
    except TimeoutError:
        return _no_reply()
    except (DeviceNotFoundError, OSError):
        printer.close()  # a network printer reconnects on the next call
        return DeviceStatus(DeviceState.OFFLINE, ("offline",), "小票打印机未连接")
    if not answer:
        return _no_reply()
    # A late answer to an earlier query may come first: the last byte is ours.
    return paper_status_from_byte(answer[-1])


def _no_reply() -> DeviceStatus:
    return DeviceStatus(DeviceState.UNKNOWN, ("no-reply",), "小票打印机无应答")


@contextlib.contextmanager
def _read_timeout(printer: Escpos, timeout: float) -> Iterator[None]:
    """Give a socket connection ``timeout`` to answer, dropping whatever it
    sent before the query; restore its own timeout afterwards."""
    device: Any = printer.device  # opens the connection the first time
    if device is None:  # an earlier attempt failed (or there is no channel)
        printer.open()
        device = printer.device
    if not isinstance(device, socket.socket):
        yield
        return
    previous = device.gettimeout()
    try:
        _drain(device)
        device.settimeout(timeout)
        yield
    finally:
        device.settimeout(previous)


def _drain(device: socket.socket) -> None:
    device.setblocking(False)
    try:
        while device.recv(64):
            pass
    except BlockingIOError:
        pass
