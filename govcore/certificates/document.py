"""What a result document says, independent of how it is drawn.

A :class:`DocumentContent` is filled by the caller from the catalogue's result
template and the application; the renderers (:mod:`.pdf`) only lay it out.
Everything is already-formatted text: the renderer never masks, translates or
computes values, so the caller decides what personal data appears (normally the
masked ID number, see :func:`govcore.privacy.mask_id_number`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import NamedTuple

__all__ = [
    "DocumentContent",
    "DocumentKind",
    "Field",
    "NoteSection",
    "chinese_date",
]


class DocumentKind(StrEnum):
    """The families of result documents; they differ in wording, not layout."""

    CERTIFICATE = "certificate"  # 证照、证明、批文
    REFUSAL = "refusal"  # 不予许可决定书
    RECEIPT = "receipt"  # 受理回执、补正材料通知书


class Field(NamedTuple):
    """One labelled line of the document, e.g. ``Field("持证人", "陈*")``.

    A plain ``(label, value)`` pair is accepted wherever a field is expected.
    """

    label: str
    value: str


@dataclass(frozen=True)
class NoteSection:
    """A block of running text under the fields.

    Examples: the reasons for a refusal and the applicant's rights to
    administrative reconsideration (复议) or litigation (诉讼); a receipt's next
    steps and deadline. An empty ``heading`` prints the paragraphs alone (the
    opening "张三：你于……提出的申请……" of a decision).
    """

    heading: str
    paragraphs: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "paragraphs", tuple(self.paragraphs))


@dataclass(frozen=True)
class DocumentContent:
    """Everything printed on one result document.

    :param kind: the family of document, see :class:`DocumentKind`.
    :param title: the large centred title, e.g. ``"居住证明"``.
    :param department_name: the issuing department; printed as the issuer and
        along the seal's upper arc.
    :param number: the document number (证照编号 / 文号 / 回执编号).
    :param issued_on: the issue date (China calendar date).
    :param holder: who the document is for, e.g. name and masked ID number;
        printed first in the table.
    :param fields: the item-specific labelled lines, in order.
    :param valid_until: last day of validity, if it expires.
    :param validity_text: validity as words (e.g. ``"长期有效"``); wins over
        the dates computed from ``issued_on``/``valid_until``.
    :param verify_url: the public verification address, encoded in the QR code.
    :param notes: running-text sections printed after the table.
    :param footer: small print at the bottom of each page.
    :param seal_caption: the seal's bottom line, e.g. ``"行政审批专用章"``.
    """

    kind: DocumentKind
    title: str
    department_name: str
    number: str
    issued_on: date
    holder: tuple[Field, ...] = ()
    fields: tuple[Field, ...] = ()
    valid_until: date | None = None
    validity_text: str = ""
    verify_url: str = ""
    notes: tuple[NoteSection, ...] = ()
    footer: str = ""
    seal_caption: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", DocumentKind(self.kind))
        object.__setattr__(self, "holder", tuple(Field(*f) for f in self.holder))
        object.__setattr__(self, "fields", tuple(Field(*f) for f in self.fields))
        object.__setattr__(self, "notes", tuple(self.notes))
        for name in ("title", "department_name", "number"):
            if not getattr(self, name).strip():
                raise ValueError(f"a document needs a non-empty {name}")
        if self.valid_until is not None and self.valid_until < self.issued_on:
            raise ValueError("valid_until is before issued_on")

    @property
    def validity(self) -> str:
        """The validity as printed: ``"2026年11月28日至2031年11月27日"``,
        ``validity_text`` when given, or ``""`` when the document has none."""
        if self.validity_text:
            return self.validity_text
        if self.valid_until is None:
            return ""
        return f"{chinese_date(self.issued_on)}至{chinese_date(self.valid_until)}"

    def fingerprint(self) -> str:
        """SHA-256 (hex) of the content; equal contents give equal fingerprints."""
        text = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chinese_date(day: date) -> str:
    """``date(2026, 11, 8)`` → ``"2026年11月8日"`` (Arabic numerals, as
    GB/T 9704-2012 prescribes for the date of an official document)."""
    return f"{day.year}年{day.month}月{day.day}日"
