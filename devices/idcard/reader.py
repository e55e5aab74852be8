"""The transaction logic of a SAM_V reader, written once for every transport.

A :class:`Transport` moves bytes (a serial port, USB bulk endpoints);
:class:`SamIdCardReader` speaks the protocol over it: send a command frame,
read the 7-byte header, read LEN more bytes, check the checksum and SW3.
"""

from __future__ import annotations

import abc
import logging
import threading
import time

from devices.idcard import protocol
from devices.idcard.protocol import (
    FRAME_HEADER_SIZE,
    PREAMBLE,
    Command,
    ReaderOfflineError,
    ReaderTimeoutError,
    Reply,
    SamFaultError,
    Status,
)
from devices.idcard.text import parse_text
from govcore.ports import (
    DeviceError,
    DeviceState,
    DeviceStatus,
    IdCard,
    IdCardReader,
    NoCardError,
)

__all__ = ["SamIdCardReader", "Transport"]

log = logging.getLogger(__name__)


class Transport(abc.ABC):
    """A byte pipe to the reader."""

    @abc.abstractmethod
    def open(self) -> None:
        """Open the connection if it is not open.

        :raise ReaderOfflineError: the device is missing or cannot be opened.
        """

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def discard_input(self) -> None:
        """Drop bytes left over from an earlier, failed exchange."""

    @abc.abstractmethod
    def send(self, frame: bytes) -> None: ...

    @abc.abstractmethod
    def receive(self, size: int, timeout: float) -> bytes:
        """Up to ``size`` bytes, waiting at most ``timeout`` seconds; may be short."""


class SamIdCardReader(IdCardReader):
    """:class:`IdCardReader` over any :class:`Transport`.

    :param command_timeout: seconds to wait for the reply to a short command
        (find, select, status).
    :param read_timeout: seconds to wait for the reply to a read (1295 or
        2321 bytes; real readers need 1.1–3 s).
    :param with_fingerprint: read with ``30 10`` instead of ``30 01``.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        command_timeout: float = 0.8,
        read_timeout: float = 3.0,
        with_fingerprint: bool = False,
    ) -> None:
        self.transport = transport
        self.command_timeout = command_timeout
        self.read_timeout = read_timeout
        self.with_fingerprint = with_fingerprint
        self._lock = threading.Lock()

    # ------------------------------------------------------------ port API

    def read_card(self) -> IdCard:
        with self._lock:
            # After a read the same card answers 80 to find until it is
            # lifted; select tells a card still in the field from none.
            self._select(no_card_on_failure=not self._find())
            payload = self._read()
        return parse_text(payload.text, photo=payload.photo)

    def card_present(self) -> bool:
        with self._lock:
            if self._find():
                return True
            reply = self._exchange(Command.SELECT_CARD, Status.OK, Status.SELECT_FAILED)
            return reply.sw3 == Status.OK

    def status(self) -> DeviceStatus:
        try:
            with self._lock:
                self._exchange(Command.SAM_STATUS, Status.OK)
        except ReaderOfflineError as error:
            return DeviceStatus(DeviceState.OFFLINE, ("offline",), error.message)
        except ReaderTimeoutError:
            return DeviceStatus(DeviceState.OFFLINE, ("timeout",), "身份证读卡器无应答")
        except SamFaultError as error:
            return DeviceStatus(
                DeviceState.NEEDS_ATTENTION, (error.code,), error.message
            )
        except DeviceError as error:
            return DeviceStatus(DeviceState.UNKNOWN, (error.code,), error.message)
        return DeviceStatus(DeviceState.READY, (), "身份证读卡器就绪")

    # ---------------------------------------------------------- diagnostics

    def sam_id(self) -> str:
        """The SAM management number in its display form (``12 FF``)."""
        with self._lock:
            reply = self._exchange(Command.SAM_ID, Status.OK)
        return protocol.format_sam_id(reply.data)

    def reset_sam(self) -> None:
        """Reset the SAM module (``10 FF``)."""
        with self._lock:
            self._exchange(Command.RESET_SAM, Status.OK, timeout=5.0)

    def read_appended_address(self) -> str:
        """The appended address (``30 03``), ``""`` when the card has none.

        Call right after :meth:`read_card`, while the card is selected.
        """
        with self._lock:
            reply = self._exchange(
                Command.READ_ADDRESS, Status.OK, Status.NO_CONTENT, timeout=1.5
            )
        if reply.sw3 == Status.NO_CONTENT:
            return ""
        return reply.data.decode("utf-16-le", errors="replace").rstrip(" \x00")

    def close(self) -> None:
        self.transport.close()

    # -------------------------------------------------------------- steps

    def _find(self) -> bool:
        reply = self._exchange(Command.FIND_CARD, Status.CARD_FOUND, Status.FIND_FAILED)
        return reply.sw3 == Status.CARD_FOUND

    def _select(self, *, no_card_on_failure: bool) -> None:
        reply = self._transact(Command.SELECT_CARD, self.command_timeout)
        if reply.sw3 == Status.SELECT_FAILED and no_card_on_failure:
            raise NoCardError("读卡器上没有证件")
        protocol.check_reply(reply, Status.OK)

    def _read(self) -> protocol.ReadPayload:
        command = (
            Command.READ_WITH_FINGERPRINT
            if self.with_fingerprint
            else Command.READ_BASE
        )
        reply = self._transact(command, self.read_timeout)
        if reply.sw3 == Status.READ_FAILED:  # retry once, as the sources advise
            reply = self._transact(command, self.read_timeout)
        protocol.check_reply(reply, Status.OK)
        return protocol.parse_read_payload(
            reply.data, with_fingerprint=self.with_fingerprint
        )

    # ---------------------------------------------------------- transport

    def _exchange(
        self, command: Command, *expected: int, timeout: float | None = None
    ) -> Reply:
        reply = self._transact(command, timeout or self.command_timeout)
        return protocol.check_reply(reply, *expected)

    def _transact(self, command: Command, timeout: float) -> Reply:
        self.transport.open()
        self.transport.discard_input()
        self.transport.send(protocol.build_command(command))
        deadline = time.monotonic() + timeout
        try:
            header = self._read_header(deadline)
            body = self._read_exact(protocol.body_length(header), deadline)
        except ReaderTimeoutError:
            log.warning(
                "ID card reader did not answer %s in %.1fs", command.name, timeout
            )
            raise
        return protocol.parse_reply(header + body)

    def _read_header(self, deadline: float) -> bytes:
        """The 7-byte header, skipping noise before the preamble."""
        buffer = self._read_exact(FRAME_HEADER_SIZE, deadline)
        while buffer[:5] != PREAMBLE:
            start = buffer.find(PREAMBLE[:1], 1)
            buffer = buffer[start:] if start > 0 else b""
            buffer += self._read_exact(FRAME_HEADER_SIZE - len(buffer), deadline)
        return buffer

    def _read_exact(self, size: int, deadline: float) -> bytes:
        buffer = b""
        while len(buffer) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                message = (
                    "身份证读卡器无应答" if not buffer else "身份证读卡器应答不完整"
                )
                raise ReaderTimeoutError(message)
            buffer += self.transport.receive(size - len(buffer), remaining)
        return buffer
