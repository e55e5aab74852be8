"""A SAM_V reader that speaks the byte protocol on a pseudo-terminal.

The simulator holds the master side of a pty pair and answers frames in a
thread; the real :class:`~devices.idcard.serial_reader.SerialIdCardReader`
opens :attr:`IdCardDeviceSimulator.port` (the slave, ``/dev/pts/N``). Like a
real reader, a card that has been read answers "no card" (``80``) to find
until it is removed and placed again, while select still succeeds.

:func:`encode_text` is the inverse of :func:`devices.idcard.text.parse_text`,
written from the layout tables on its own so round trips test both.
"""

from __future__ import annotations

import os
import select
import threading
import tty
from datetime import date

from devices.idcard import protocol
from devices.idcard.protocol import Command, Status
from devices.idcard.text import ETHNICITIES
from govcore.ports import CardType, IdCard

__all__ = ["DEFAULT_SAM_ID", "IdCardDeviceSimulator", "encode_text"]

DEFAULT_SAM_ID = bytes(range(1, 17))
_FLAGS = {CardType.RESIDENT: " ", CardType.FOREIGNER: "I", CardType.HMT_RESIDENT: "J"}
_SEX_CODES = {"M": "1", "F": "2"}

# (offset, size) of each field, per card type (devices.md §1.6).
_COMMON = {"sex": (30, 2), "birth": (36, 16), "valid_from": (188, 16)}
_LAYOUTS: dict[CardType, dict[str, tuple[int, int]]] = {
    CardType.RESIDENT: {
        "name": (0, 30),
        "ethnicity": (32, 4),
        "address": (52, 70),
        "id_number": (122, 36),
        "issuer": (158, 30),
        "valid_to": (204, 16),
        **_COMMON,
    },
    CardType.HMT_RESIDENT: {
        "name": (0, 30),
        "address": (52, 70),
        "id_number": (122, 36),
        "issuer": (158, 30),
        "valid_to": (204, 16),
        "permit_number": (220, 18),
        "issue_count": (238, 4),
        **_COMMON,
    },
    CardType.FOREIGNER: {
        "name_en": (0, 120),
        "sex": (120, 2),
        "id_number": (122, 30),
        "nationality": (152, 6),
        "name": (158, 30),
        "valid_from": (188, 16),
        "valid_to": (204, 16),
        "birth": (220, 16),
        "version": (236, 4),
        "issuer": (240, 8),
    },
}


def _ethnicity_code(name: str) -> str:
    for code, known in ETHNICITIES.items():
        if known == name:
            return code
    raise ValueError(f"unknown ethnicity {name!r}")


def _ymd(value: date | None) -> str:
    return "长期" if value is None else value.strftime("%Y%m%d")


def encode_text(card: IdCard, *, flag: str | None = None) -> bytes:
    """The 256-byte UCS-2LE text block the chip of ``card`` would hold.

    :param flag: override the type flag (to simulate an unknown card type).
    """
    values = {
        "name": card.name,
        "name_en": card.name_en,
        "sex": _SEX_CODES.get(card.sex, card.sex),
        "birth": _ymd(card.birth_date),
        "address": card.address,
        "id_number": card.id_number,
        "issuer": card.issuer,
        "valid_from": _ymd(card.valid_from),
        "valid_to": _ymd(card.valid_to),
        "nationality": card.nationality,
        "permit_number": card.permit_number,
        "issue_count": card.issue_count,
        "version": "01",
    }
    if card.card_type is CardType.RESIDENT:
        values["ethnicity"] = _ethnicity_code(card.ethnicity)
    block = bytearray(" ".encode("utf-16-le") * 128)
    for key, (offset, size) in _LAYOUTS[card.card_type].items():
        raw = values[key].encode("utf-16-le")
        if len(raw) > size:
            raise ValueError(f"{key} does not fit in {size} bytes")
        block[offset : offset + len(raw)] = raw
    block[248:250] = (flag or _FLAGS[card.card_type]).encode("utf-16-le")
    return bytes(block)


class IdCardDeviceSimulator:
    """A reader on a pty; use as a context manager or call start()/stop().

    Fault switches (plain attributes, set them any time):

    * ``bad_checksum_next``: corrupt the checksum of the next reply (once);
    * ``select_fails``: select answers ``81``;
    * ``read_fails``: read answers ``41``;
    * ``silent``: swallow commands, answer nothing;
    * ``with_fingerprint``: the card holds fingerprint data (``30 10``).
    """

    def __init__(self, *, sam_id: bytes = DEFAULT_SAM_ID) -> None:
        self.sam_id = sam_id
        self.bad_checksum_next = False
        self.select_fails = False
        self.read_fails = False
        self.silent = False
        self.with_fingerprint = False
        self.commands: list[tuple[int, int]] = []
        self._text: bytes | None = None
        self._photo = b""
        self._fingerprint = b""
        self._read_done = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = self._slave = -1
        self.port = ""

    # ----------------------------------------------------------- control

    def insert(
        self,
        card: IdCard,
        *,
        fingerprint: bytes = b"\x5a" * 1024,
        flag: str | None = None,
    ) -> None:
        """Place ``card`` on the reader (its ``photo_wlt``, or 1024 filler bytes)."""
        self.insert_raw(
            encode_text(card, flag=flag),
            photo=card.photo_wlt or bytes(range(256)) * 4,
            fingerprint=fingerprint,
        )

    def insert_raw(
        self, text: bytes, *, photo: bytes = b"", fingerprint: bytes = b""
    ) -> None:
        """Place a card whose chip holds exactly ``text``."""
        with self._lock:
            self._text, self._photo, self._fingerprint = text, photo, fingerprint
            self._read_done = False

    def remove(self) -> None:
        with self._lock:
            self._text = None
            self._read_done = False

    # ---------------------------------------------------------- lifecycle

    def start(self) -> IdCardDeviceSimulator:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._serve, name="idcard-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def __enter__(self) -> IdCardDeviceSimulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------ serving

    def _serve(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.02)
            if not ready:
                continue
            try:
                buffer += os.read(self._master, 4096)
            except OSError:
                return
            buffer = self._handle_frames(buffer)

    def _handle_frames(self, buffer: bytes) -> bytes:
        while True:
            start = buffer.find(protocol.PREAMBLE)
            if start < 0:
                return buffer[-4:]
            buffer = buffer[start:]
            if len(buffer) < protocol.FRAME_HEADER_SIZE:
                return buffer
            size = protocol.FRAME_HEADER_SIZE + int.from_bytes(buffer[5:7], "big")
            if len(buffer) < size:
                return buffer
            frame, buffer = buffer[:size], buffer[size:]
            reply = self.answer(frame)
            if reply is not None:
                os.write(self._master, reply)

    def answer(self, frame: bytes) -> bytes | None:
        """The reply to one command frame (None when silent); usable without
        the pty, e.g. behind a fake USB device."""
        try:
            cmd, para, _ = protocol.parse_command(frame)
        except protocol.ChecksumError:
            return protocol.build_reply(Status.CHECKSUM_ERROR)
        except protocol.BadFrameError:
            return protocol.build_reply(Status.LENGTH_ERROR)
        self.commands.append((cmd, para))
        if self.silent:
            return None
        with self._lock:
            reply = self._dispatch((cmd, para))
        if self.bad_checksum_next:
            self.bad_checksum_next = False
            reply = reply[:-1] + bytes([reply[-1] ^ 0xFF])
        return reply

    def _dispatch(self, command: tuple[int, int]) -> bytes:
        build = protocol.build_reply
        if command == Command.FIND_CARD.value:
            if self._text is None or self._read_done:
                return build(Status.FIND_FAILED)
            return build(Status.CARD_FOUND, bytes(4))
        if command == Command.SELECT_CARD.value:
            if self._text is None or self.select_fails:
                return build(Status.SELECT_FAILED)
            return build(Status.OK, bytes(8))
        if command in (Command.READ_BASE.value, Command.READ_WITH_FINGERPRINT.value):
            return self._read(command == Command.READ_WITH_FINGERPRINT.value)
        if command == Command.READ_ADDRESS.value:
            return build(Status.NO_CONTENT)
        if command == Command.SAM_ID.value:
            return build(Status.OK, self.sam_id)
        if command in (Command.SAM_STATUS.value, Command.RESET_SAM.value):
            return build(Status.OK)
        return build(Status.COMMAND_ERROR)

    def _read(self, fingerprint: bool) -> bytes:
        if self._text is None or self.read_fails:
            return protocol.build_reply(Status.READ_FAILED)
        self._read_done = True
        extra = None
        if fingerprint:
            extra = self._fingerprint if self.with_fingerprint else b""
        payload = protocol.build_read_payload(self._text, self._photo, extra)
        return protocol.build_reply(Status.OK, payload)
