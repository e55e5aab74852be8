"""A device-neutral ticket for the kiosk's thermal receipt printer.

A :class:`Ticket` is a list of elements (text lines, rules, a QR code, paper
feed, cut) already fitted to the paper: 58 mm paper prints 32 columns and
80 mm paper 48 in the printer's standard font, where a Chinese character takes
two columns (it is a double-byte character in the printer's GB18030 mode) and
an ASCII character one. A driver (``devices.printers.escpos_ticket``) turns it
into printer bytes; the simulated printer can show :meth:`Ticket.preview`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "PAPER_COLUMNS",
    "Align",
    "Cut",
    "Feed",
    "QrCode",
    "Rule",
    "Text",
    "Ticket",
    "TicketElement",
    "build_ticket",
    "display_width",
    "ticket_from_json",
    "ticket_to_json",
    "wrap_text",
]

#: Columns of the standard font (12 × 24 dots) by paper width in mm.
PAPER_COLUMNS = {58: 32, 80: 48}
#: QR module size in dots by paper width: about 25 mm wide for a 40-module code.
QR_MODULE_SIZE = {58: 5, 80: 6}


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Text:
    """One printed line. ``double`` prints it at double width and height,
    so it may use only half the columns."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    double: bool = False

    def width(self) -> int:
        return display_width(self.text) * (2 if self.double else 1)


@dataclass(frozen=True)
class Rule:
    """A horizontal line across the paper."""


@dataclass(frozen=True)
class QrCode:
    """A QR code, centred, drawn by the printer itself."""

    data: str
    module_size: int = 5


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    """Feed the ticket out and cut the paper."""


TicketElement = Text | Rule | QrCode | Feed | Cut


@dataclass(frozen=True)
class Ticket:
    """A ticket for paper ``width_mm`` wide (58 or 80).

    :raise ValueError: for another paper width or a text line wider than the
        paper.
    """

    width_mm: int
    elements: tuple[TicketElement, ...]

    def __post_init__(self) -> None:
        if self.width_mm not in PAPER_COLUMNS:
            raise ValueError(f"paper width must be 58 or 80 mm, not {self.width_mm}")
        object.__setattr__(self, "elements", tuple(self.elements))
        for element in self.elements:
            if isinstance(element, Text) and element.width() > self.columns:
                raise ValueError(f"line wider than {self.columns} columns: {element}")

    @property
    def columns(self) -> int:
        return PAPER_COLUMNS[self.width_mm]

    def preview(self) -> list[str]:
        """The ticket as plain text lines (double text shown at single size)."""
        lines: list[str] = []
        for element in self.elements:
            if isinstance(element, Text):
                lines.append(_aligned(element, self.columns))
            elif isinstance(element, Rule):
                lines.append("-" * self.columns)
            elif isinstance(element, QrCode):
                lines.append(f"[QR {element.data}]")
            elif isinstance(element, Feed):
                lines.extend([""] * element.lines)
            else:
                lines.append("✂" + "-" * (self.columns - 2))
        return lines


_ELEMENT_TYPES = {"text": Text, "rule": Rule, "qr": QrCode, "feed": Feed, "cut": Cut}
_TYPE_NAMES = {cls: name for name, cls in _ELEMENT_TYPES.items()}


def ticket_to_json(ticket: Ticket) -> dict[str, Any]:
    """The ticket as JSON, for the terminal agent to print."""
    return {
        "width_mm": ticket.width_mm,
        "elements": [
            {"type": _TYPE_NAMES[type(e)], **asdict(e)} for e in ticket.elements
        ],
    }


def ticket_from_json(data: Any) -> Ticket:
    """The ticket :func:`ticket_to_json` made.

    :raise ValueError: for anything else (unknown element, wrong fields, a
        line too wide); control characters in text are dropped, as the
        printer would take them for commands.
    """
    try:
        elements = []
        for raw in data["elements"]:
            fields = {k: v for k, v in raw.items() if k != "type"}
            element_type = _ELEMENT_TYPES[raw["type"]]
            if element_type is Text:
                fields["text"] = _CONTROL.sub("", str(fields["text"]))
                fields["align"] = Align(fields.get("align", "left"))
            if element_type is QrCode and len(str(fields["data"])) > 500:
                raise ValueError("QR data too long")
            elements.append(element_type(**fields))
        return Ticket(int(data["width_mm"]), tuple(elements))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a ticket: {exc!r}") from None


def build_ticket(
    reference_no: str,
    item_name: str,
    result_text: str,
    lines: Sequence[str | tuple[str, str]],
    qr_data: str,
    width_mm: int = 58,
    *,
    heading: str = "办件回执",
    qr_caption: str = "扫码查询办件进度",
) -> Ticket:
    """The kiosk's receipt: heading, reference number, item and result, the
    caller's extra ``lines`` (plain text, or ``(label, value)`` pairs printed
    as "label：value" with the value's later lines indented), a QR code of
    ``qr_data`` with its caption, and a cut. Text is wrapped to the paper."""
    columns = PAPER_COLUMNS.get(width_mm, 0)
    if not columns:
        raise ValueError(f"paper width must be 58 or 80 mm, not {width_mm}")
    elements: list[TicketElement] = [
        *_wrapped(heading, columns // 2, align=Align.CENTER, bold=True, double=True),
        Rule(),
        *_labelled("办件编号", reference_no, columns),
        *_labelled("办理事项", item_name, columns),
        *_labelled("办理结果", result_text, columns, bold=True),
        Rule(),
    ]
    for line in lines:
        if isinstance(line, str):
            elements += _wrapped(line, columns)
        else:
            elements += _labelled(*line, columns)
    if lines:
        elements.append(Rule())
    elements += [
        QrCode(qr_data, QR_MODULE_SIZE[width_mm]),
        *_wrapped(qr_caption, columns, align=Align.CENTER),
        Feed(1),
        Cut(),
    ]
    return Ticket(width_mm, tuple(elements))


def display_width(text: str) -> int:
    """Columns ``text`` takes: 1 per ASCII character, 2 for any other."""
    return sum(1 if ord(char) < 0x80 else 2 for char in text)


# A run of visible ASCII (a word, a number, a URL), a run of spaces, or one
# other character (CJK may break anywhere).
_TOKEN = re.compile(r"[!-~]+| +|.")
# Control characters other than line feeds would reach the printer as commands.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_NO_LINE_START = frozenset("，。、；：！？）》」』”’…,.;:!?)]}")


def wrap_text(text: str, columns: int, indent: int = 0) -> list[str]:
    """``text`` broken into lines of at most ``columns`` columns; lines after
    the first start with ``indent`` spaces. Words of ASCII are kept whole
    when they fit on a line; longer ones are cut."""
    if not 0 <= indent <= columns - 2:
        raise ValueError("indent must leave room for a character")
    lines: list[str] = []
    text = _CONTROL.sub("", text.replace("\t", " ").replace("\r\n", "\n"))
    for paragraph in text.split("\n"):
        first = columns if not lines else columns - indent
        lines += _wrap_paragraph(paragraph, first, columns - indent)
    return [lines[0], *(" " * indent + line for line in lines[1:])]


def _wrap_paragraph(text: str, first: int, rest: int) -> list[str]:
    """Lines of ``text``: the first at most ``first`` columns wide, the others
    at most ``rest``."""
    lines: list[str] = []
    current, room = "", first
    for token in _TOKEN.findall(text):
        if token.isspace() and not current:
            continue  # no spaces at the start of a line
        if display_width(token) > room and current:
            line, current = _break(current, token)
            lines.append(line)
            room = rest - display_width(current)
            if token.isspace():
                continue
        while display_width(token) > room:  # longer than a whole line
            head, token = _cut(token, room)
            lines.append(current + head)
            current, room = "", rest
        current += token
        room -= display_width(token)
    if current or not lines:
        lines.append(current.rstrip())
    return lines


def _break(current: str, token: str) -> tuple[str, str]:
    """End the line ``current`` before ``token``: the line, and what starts the
    next one. A closing punctuation mark may not start a line (避头点), so
    the character before it moves down with it."""
    if token[0] in _NO_LINE_START and len(current) > 1 and not current[-1].isspace():
        return current[:-1], current[-1]
    return current.rstrip(), ""


def _cut(token: str, room: int) -> tuple[str, str]:
    """The longest head of ``token`` that fits in ``room`` columns (≥ 2)."""
    width = 0
    for index, char in enumerate(token):
        width += display_width(char)
        if width > room:
            return token[:index], token[index:]
    return token, ""


def _wrapped(
    text: str,
    columns: int,
    *,
    align: Align = Align.LEFT,
    bold: bool = False,
    double: bool = False,
) -> list[Text]:
    return [Text(line, align, bold, double) for line in wrap_text(text, columns)]


def _labelled(label: str, value: str, columns: int, bold: bool = False) -> list[Text]:
    """ "label：value", later lines indented under the value when the label
    leaves room for it, otherwise under the label."""
    prefix = f"{label}："
    indent = display_width(prefix)
    if indent > columns // 2:
        indent = 0
    lines = wrap_text(prefix + value, columns, indent)
    return [Text(line, bold=bold) for line in lines]


def _aligned(element: Text, columns: int) -> str:
    free = max(columns // (2 if element.double else 1) - display_width(element.text), 0)
    if element.align is Align.CENTER:
        return " " * (free // 2) + element.text
    if element.align is Align.RIGHT:
        return " " * free + element.text
    return element.text
