"""Device ports: what the core asks of the kiosk's hardware.

Drivers in ``devices/`` implement them (real drivers and simulators); the core
never imports a driver. Value objects here carry what a device produced, in
plain Python types. Every device reports its state as a :class:`DeviceStatus`,
so the kiosk and the back office can act on it without knowing the model.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, field
from datetime import date

from govcore.certificates.receipt import (
    Align,
    Cut,
    Feed,
    QrCode,
    Rule,
    Text,
    Ticket,
    TicketElement,
    ticket_from_json,
)
from govcore.errors import GovCoreError

__all__ = [
    "Align",
    "CardType",
    "Cut",
    "DeviceError",
    "DeviceState",
    "DeviceStatus",
    "DocumentPrinter",
    "Feed",
    "IdCard",
    "IdCardReader",
    "NoCardError",
    "PhotoDecoder",
    "PrintJob",
    "PrintJobState",
    "QrCode",
    "ReceiptPrinter",
    "Rule",
    "ScannedPage",
    "Scanner",
    "Text",
    "Ticket",
    "TicketElement",
    "ticket_from_json",
]


# ------------------------------------------------------------------ state


class DeviceState(enum.StrEnum):
    """What the kiosk can act on, whatever the model says in its own terms."""

    READY = "ready"
    WARNING = "warning"  # works, but needs attention soon (toner low, paper near end)
    NEEDS_ATTENTION = (
        "needs_attention"  # a person must act (paper out, jam, cover open)
    )
    OFFLINE = "offline"  # not connected, not answering, or paused
    UNKNOWN = "unknown"  # the device did not say: never treated as ready


@dataclass(frozen=True)
class DeviceStatus:
    state: DeviceState
    reasons: tuple[str, ...] = ()  # machine codes, e.g. ("media-empty",)
    message: str = ""  # for staff, in Chinese: "A4打印机缺纸"

    @property
    def usable(self) -> bool:
        return self.state in (DeviceState.READY, DeviceState.WARNING)


class DeviceError(GovCoreError):
    """A device failed; ``code`` says how (``checksum``, ``timeout``, ``jam`` …)."""

    code = "device_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message, code=code or self.code)


class NoCardError(DeviceError):
    code = "no_card"


# -------------------------------------------------------------- ID cards


class CardType(enum.StrEnum):
    RESIDENT = "resident"  # 居民身份证
    FOREIGNER = "foreigner"  # 外国人永久居留身份证 (flag I)
    HMT_RESIDENT = "hmt_resident"  # 港澳台居民居住证 (flag J)


@dataclass(frozen=True)
class IdCard:
    """What the chip of an identity card says. Personal data: never logged."""

    card_type: CardType
    name: str
    id_number: str  # 18 characters, GB 11643 checked (15 for old foreigner cards)
    sex: str  # "M" / "F" (GB/T 2261.1 code 1 / 2)
    birth_date: date
    valid_from: date
    valid_to: date | None  # None: 长期
    ethnicity: str = ""  # 民族, resident cards only, e.g. "汉"
    address: str = ""
    issuer: str = ""  # 签发机关
    name_en: str = ""  # foreigner cards
    nationality: str = ""  # ISO 3166-1 alpha-3, foreigner cards
    permit_number: str = ""  # 通行证号码, 港澳台 permits
    issue_count: str = ""  # 签发次数, 港澳台 permits
    photo_wlt: bytes = field(default=b"", repr=False)  # 1024 raw bytes, encrypted


class IdCardReader(abc.ABC):
    """A 二代证 reader (SAM module)."""

    @abc.abstractmethod
    def read_card(self) -> IdCard:
        """Find, select and read the card on the reader.

        :raise NoCardError: no card is on the reader.
        :raise DeviceError: the reader failed or the card could not be read.
        """

    @abc.abstractmethod
    def card_present(self) -> bool:
        """Whether a card lies on the reader now (for removal detection)."""

    @abc.abstractmethod
    def status(self) -> DeviceStatus: ...


class PhotoDecoder(abc.ABC):
    """Turns the card's encrypted WLT photo into an image (a vendor library)."""

    @abc.abstractmethod
    def decode(self, wlt: bytes) -> bytes:
        """The photo as BMP or JPEG bytes.

        :raise DeviceError: when the library is missing or refuses the data.
        """

    def status(self) -> DeviceStatus:
        return DeviceStatus(DeviceState.UNKNOWN)


# -------------------------------------------------------------- printers


class PrintJobState(enum.StrEnum):
    PENDING = "pending"
    PRINTING = "printing"
    COMPLETED = "completed"
    FAILED = "failed"  # jammed, out of paper, cancelled: the document can be reprinted


@dataclass(frozen=True)
class PrintJob:
    job_id: str
    state: PrintJobState
    reasons: tuple[str, ...] = ()
    message: str = ""


class DocumentPrinter(abc.ABC):
    """The A4 printer of a kiosk."""

    @abc.abstractmethod
    def submit(self, pdf: bytes, *, title: str) -> str:
        """Queue ``pdf``; return the job id. ``title`` must hold no personal data."""

    @abc.abstractmethod
    def job(self, job_id: str) -> PrintJob: ...

    @abc.abstractmethod
    def status(self) -> DeviceStatus: ...


class ReceiptPrinter(abc.ABC):
    """The 58/80 mm thermal printer of a kiosk."""

    width_mm: int

    @abc.abstractmethod
    def print_ticket(self, ticket: Ticket) -> None:
        """Print ``ticket`` and cut the paper.

        :raise DeviceError: if the printer cannot print now.
        """

    def status(self) -> DeviceStatus:
        return DeviceStatus(DeviceState.UNKNOWN)


# -------------------------------------------------------------- scanning


@dataclass(frozen=True)
class ScannedPage:
    """One page, cleaned (cropped, deskewed) and encoded as JPEG."""

    jpeg: bytes = field(repr=False)
    width: int
    height: int
    dpi: int


class Scanner(abc.ABC):
    """A flatbed/ADF scanner or a document camera (高拍仪)."""

    @abc.abstractmethod
    def scan(self) -> list[ScannedPage]:
        """Capture the page(s) now.

        :raise DeviceError: nothing could be captured.
        """

    @abc.abstractmethod
    def status(self) -> DeviceStatus: ...
