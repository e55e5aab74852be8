"""The SAM_V frame protocol of 二代证 readers (GA 450 family).

A command is ``AA AA AA 96 69``, a big-endian length that counts every byte
after it, the command and parameter bytes, optional data and an XOR checksum
over everything after the preamble. A reply has the same framing; its body
starts with SW1 SW2 SW3, where SW3 is the status (``90`` ok, ``9F`` card found,
``80`` no card …). This module builds and parses frames and maps status codes
to typed errors; it does no I/O.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

from govcore.ports import DeviceError, NoCardError

__all__ = [
    "FRAME_HEADER_SIZE",
    "MAX_BODY_SIZE",
    "PREAMBLE",
    "BadFrameError",
    "CardAuthenticationError",
    "ChecksumError",
    "Command",
    "ReadFailedError",
    "ReadPayload",
    "ReaderOfflineError",
    "ReaderTimeoutError",
    "Reply",
    "SamFaultError",
    "SelectFailedError",
    "Status",
    "UnsupportedCardType",
    "body_length",
    "build_command",
    "build_read_payload",
    "build_reply",
    "check_reply",
    "error_for_status",
    "format_sam_id",
    "parse_command",
    "parse_read_payload",
    "parse_reply",
    "xor_checksum",
]

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
FRAME_HEADER_SIZE = 7  # preamble + LEN
#: The largest body a reader sends: a 30 10 reply is 2314 bytes; leave room.
MAX_BODY_SIZE = 4096


class Command(enum.Enum):
    """Command and parameter bytes (devices.md §1.3)."""

    RESET_SAM = (0x10, 0xFF)
    SAM_STATUS = (0x11, 0xFF)
    SAM_ID = (0x12, 0xFF)
    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ_BASE = (0x30, 0x01)  # text + photo
    READ_ADDRESS = (0x30, 0x03)  # appended address
    READ_WITH_FINGERPRINT = (0x30, 0x10)  # text + photo + fingerprint

    @property
    def cmd(self) -> int:
        return self.value[0]

    @property
    def para(self) -> int:
        return self.value[1]


class Status(enum.IntEnum):
    """SW3 status codes (devices.md §1.4)."""

    OK = 0x90
    CARD_FOUND = 0x9F
    NO_CONTENT = 0x91
    FIND_FAILED = 0x80
    SELECT_FAILED = 0x81
    READ_FAILED = 0x41
    UNKNOWN_CARD_TYPE = 0x40
    CHECKSUM_ERROR = 0x10
    LENGTH_ERROR = 0x11
    COMMAND_ERROR = 0x21
    NOT_PERMITTED = 0x23
    UNKNOWN_ERROR = 0x24
    CARD_AUTH_SAM_FAILED = 0x31
    SAM_AUTH_CARD_FAILED = 0x32
    VERIFY_FAILED = 0x33
    RANDOM_FAILED = 0x47
    SAM_SELF_TEST_FAILED = 0x60
    SAM_UNAUTHORISED = 0x66


# ----------------------------------------------------------------- errors


class ChecksumError(DeviceError):
    code = "checksum"


class BadFrameError(DeviceError):
    code = "bad_frame"


class ReaderTimeoutError(DeviceError):
    code = "timeout"


class ReaderOfflineError(DeviceError):
    code = "offline"


class SelectFailedError(DeviceError):
    code = "select_failed"


class ReadFailedError(DeviceError):
    code = "read_failed"


class CardAuthenticationError(DeviceError):
    """The card and the SAM did not authenticate each other: fake or damaged."""

    code = "card_auth_failed"


class SamFaultError(DeviceError):
    """The SAM module failed its self test or is not authorised."""

    code = "sam_fault"


class UnsupportedCardType(DeviceError):
    """A card this driver cannot read (unknown type flag or SW3 ``40``)."""

    code = "unsupported_card_type"


_ERRORS: dict[int, tuple[type[DeviceError], str]] = {
    Status.FIND_FAILED: (NoCardError, "读卡器上没有证件"),
    Status.SELECT_FAILED: (SelectFailedError, "选卡失败，请重新放置证件"),
    Status.READ_FAILED: (ReadFailedError, "读卡失败，请重新放置证件"),
    Status.RANDOM_FAILED: (ReadFailedError, "读卡失败（取随机数失败），请重新放置证件"),
    Status.UNKNOWN_CARD_TYPE: (UnsupportedCardType, "无法识别的证件类型"),
    Status.CHECKSUM_ERROR: (ChecksumError, "读卡器收到的数据校验和错误"),
    Status.LENGTH_ERROR: (BadFrameError, "读卡器收到的数据长度错误"),
    Status.COMMAND_ERROR: (BadFrameError, "读卡器不接受该命令"),
    Status.CARD_AUTH_SAM_FAILED: (
        CardAuthenticationError,
        "证件认证失败，请到人工窗口办理",
    ),
    Status.SAM_AUTH_CARD_FAILED: (
        CardAuthenticationError,
        "证件认证失败，请到人工窗口办理",
    ),
    Status.VERIFY_FAILED: (
        CardAuthenticationError,
        "证件信息验证错误，请到人工窗口办理",
    ),
    Status.SAM_SELF_TEST_FAILED: (SamFaultError, "读卡器安全模块自检失败"),
    Status.SAM_UNAUTHORISED: (SamFaultError, "读卡器安全模块未经授权"),
}


def error_for_status(sw3: int) -> DeviceError:
    """The error that SW3 status ``sw3`` stands for."""
    cls, message = _ERRORS.get(sw3, (DeviceError, f"读卡器返回错误状态 {sw3:02X}"))
    if cls is DeviceError:
        return DeviceError(message, code="reader_error")
    return cls(message)


# ----------------------------------------------------------------- frames


def xor_checksum(data: bytes) -> int:
    """XOR of all bytes of ``data``."""
    result = 0
    for byte in data:
        result ^= byte
    return result


def _frame(body: bytes) -> bytes:
    length = struct.pack(">H", len(body) + 1)
    return PREAMBLE + length + body + bytes([xor_checksum(length + body)])


def build_command(command: Command, data: bytes = b"") -> bytes:
    """The frame the host sends for ``command``."""
    return _frame(bytes(command.value) + data)


def build_reply(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    """The frame a reader sends back (used by the simulator and tests)."""
    return _frame(bytes([sw1, sw2, sw3]) + data)


def body_length(header: bytes) -> int:
    """How many bytes follow the 7-byte ``header`` (LEN, checked for sanity).

    :raise BadFrameError: when the preamble is wrong or LEN is implausible.
    """
    if len(header) != FRAME_HEADER_SIZE or header[:5] != PREAMBLE:
        raise BadFrameError("读卡器应答帧头错误")
    (length,) = struct.unpack(">H", header[5:7])
    if not 2 <= length <= MAX_BODY_SIZE:
        raise BadFrameError(f"读卡器应答长度不合理：{length}")
    return length


def _split(frame: bytes, minimum: int) -> bytes:
    """Check framing and checksum of a whole frame; return its body sans CHK."""
    length = body_length(frame[:FRAME_HEADER_SIZE])
    if len(frame) != FRAME_HEADER_SIZE + length or length < minimum:
        raise BadFrameError("读卡器数据帧长度错误")
    if xor_checksum(frame[5:-1]) != frame[-1]:
        raise ChecksumError("读卡器数据帧校验和错误")
    return frame[FRAME_HEADER_SIZE:-1]


def parse_command(frame: bytes) -> tuple[int, int, bytes]:
    """Split a command frame into ``(cmd, para, data)``."""
    body = _split(frame, 3)
    return body[0], body[1], body[2:]


@dataclass(frozen=True)
class Reply:
    sw1: int
    sw2: int
    sw3: int
    data: bytes = b""


def parse_reply(frame: bytes) -> Reply:
    """Parse a complete reply frame.

    :raise BadFrameError: wrong preamble or length.
    :raise ChecksumError: the checksum does not match.
    """
    body = _split(frame, 4)
    return Reply(body[0], body[1], body[2], body[3:])


def check_reply(reply: Reply, *expected: int) -> Reply:
    """Return ``reply`` when its SW3 is one of ``expected``, else raise its error."""
    if reply.sw1 != 0 or reply.sw2 != 0:
        raise DeviceError(
            f"读卡器返回错误状态 {reply.sw1:02X}{reply.sw2:02X}{reply.sw3:02X}",
            code="reader_error",
        )
    if reply.sw3 in expected:
        return reply
    raise error_for_status(reply.sw3)


# ---------------------------------------------------------- read payloads


@dataclass(frozen=True)
class ReadPayload:
    text: bytes
    photo: bytes
    fingerprint: bytes = b""


def parse_read_payload(data: bytes, *, with_fingerprint: bool) -> ReadPayload:
    """Split the data of a ``30 01`` / ``30 10`` reply.

    ``30 01``: text length (2, BE), photo length (2, BE), text, photo.
    ``30 10``: the same with a fingerprint length after the photo length and
    the fingerprint data last; its length is 0 when the card holds none.

    :raise BadFrameError: when the lengths do not add up or the text is not
        the 256-byte block.
    """
    fields = 3 if with_fingerprint else 2
    head = 2 * fields
    if len(data) < head:
        raise BadFrameError("读卡数据过短")
    lengths = struct.unpack(f">{fields}H", data[:head])
    if sum(lengths) != len(data) - head:
        raise BadFrameError("读卡数据长度与声明不符")
    if lengths[0] != 256:
        raise BadFrameError(f"证件文字信息长度错误：{lengths[0]}")
    text_end = head + lengths[0]
    photo_end = text_end + lengths[1]
    return ReadPayload(
        text=data[head:text_end],
        photo=data[text_end:photo_end],
        fingerprint=data[photo_end:],
    )


def build_read_payload(
    text: bytes, photo: bytes, fingerprint: bytes | None = None
) -> bytes:
    """The inverse of :func:`parse_read_payload`; ``fingerprint`` not None → 30 10."""
    if fingerprint is None:
        return struct.pack(">2H", len(text), len(photo)) + text + photo
    head = struct.pack(">3H", len(text), len(photo), len(fingerprint))
    return head + text + photo + fingerprint


def format_sam_id(data: bytes) -> str:
    """The usual display form of the 16-byte SAM management number.

    ``u16le.u16le-u32le(8)-u32le(10)-u32le(10)``; sources disagree on the first
    group, so keep the hex for anything but display.
    """
    if len(data) < 16:
        raise BadFrameError("SAM编号长度错误")
    a, b, c, d, e = struct.unpack("<HHIII", data[:16])
    return f"{a:02d}.{b:02d}-{c:08d}-{d:010d}-{e:010d}"
