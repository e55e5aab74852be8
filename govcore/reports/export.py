"""A :class:`~govcore.reports.table.ReportTable` as a file to hand in: an
Excel workbook (openpyxl) or an A4 landscape PDF (reportlab platypus).

Both carry the title, the parameters and the time the file was made. The
workbook keeps values typed (numbers as numbers, dates as dates, shares as
per cent) so the bureau can sum and filter them; the PDF embeds the CJK font
(:mod:`govcore.certificates.fonts`), repeats the header row on every page and
numbers the pages "第 N 页 共 M 页".
"""

from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from govcore import audit
from govcore.certificates.fonts import cjk_font
from govcore.clock import DISTRICT_TZ
from govcore.db import db
from govcore.reports.table import EMPTY, ReportTable

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MIMETYPE = "application/pdf"
CREATOR = "秒批秒报平台"
MAX_WIDTH = 48  # characters of the widest workbook column; longer text wraps
HEADER_FILL = "DFE6EE"
CELL_FONT_SIZE = 7.5  # points, in the PDF's table
CELL_PADDING = 2.5


def generated_line(generated_at: datetime) -> str:
    """ "生成时间：…" in the district's time."""
    local = generated_at.astimezone(DISTRICT_TZ)
    return f"生成时间：{local:%Y-%m-%d %H:%M}（北京时间）"


def text_width(text: str) -> int:
    """Display width: a CJK (wide) character counts two, others one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def record_export(
    kind: str, fmt: str, parameters: dict[str, str], *, actor: str, now: datetime
) -> None:
    """Write in the audit log that ``actor`` downloaded a report, and commit.

    :param kind: the report, e.g. ``quarterly``.
    :param fmt: ``xlsx`` or ``pdf``.
    :param parameters: the report's parameters as given (dates, quarter …).
    """
    audit.record_event(
        "report_exported",
        actor=actor,
        at=now,
        target=f"report:{kind}",
        details={"format": fmt, **parameters},
    )
    db.session.commit()


def _notes(table: ReportTable) -> list[str]:
    if not table.notes:
        return []
    return ["说明：", *(f"{n}. {note}" for n, note in enumerate(table.notes, 1))]


# ---------------------------------------------------------------- xlsx


def to_xlsx(table: ReportTable, *, generated_at: datetime) -> bytes:
    """Return ``table`` as an xlsx workbook of one sheet.

    Row 1 holds the title, row 2 the parameters and the time made, row 3 the
    header (bold, frozen), then the data; the notes follow after a blank row.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    book.properties.title = table.title
    book.properties.creator = CREATOR
    width = len(table.columns)
    meta = "　".join(p for p in (table.subtitle, generated_line(generated_at)) if p)
    _merged_line(sheet, 1, table.title, width, Font(bold=True, size=14))
    _merged_line(sheet, 2, meta, width, Font(size=10))
    edge = Side(style="thin", color="999999")
    border = Border(left=edge, right=edge, top=edge, bottom=edge)
    for index, name in enumerate(table.columns, 1):
        cell = sheet.cell(row=3, column=index, value=name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = border
    for offset, row in enumerate(table.rows):
        for index, value in enumerate(row):
            cell = sheet.cell(row=4 + offset, column=index + 1)
            _fill_cell(cell, table, index, value)
            cell.border = border
    sheet.freeze_panes = "A4"
    _set_widths(sheet, table)
    line = 5 + len(table.rows)
    for note in _notes(table):
        _merged_line(sheet, line, note, width, Font(size=10))
        line += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _merged_line(sheet: Any, row: int, text: str, width: int, font: Font) -> None:
    cell = sheet.cell(row=row, column=1, value=text)
    cell.font = font
    cell.alignment = Alignment(wrap_text=False, vertical="center")
    if width > 1:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def _fill_cell(cell: Any, table: ReportTable, index: int, value: Any) -> None:
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if value is None or value == "":
        cell.value = EMPTY
    elif table.columns[index] in table.percent and isinstance(value, (int, float)):
        cell.value = value
        cell.number_format = "0.0%"
    elif table.columns[index] in table.seconds and isinstance(value, (int, float)):
        cell.value = value  # seconds, so a sheet can compute with them
        cell.number_format = "0.000"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    else:
        cell.value = value


def _set_widths(sheet: Any, table: ReportTable) -> None:
    texts = table.text_rows()
    for index, name in enumerate(table.columns):
        longest = max(
            [text_width(name)] + [text_width(row[index]) for row in texts], default=4
        )
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = min(max(longest, 6), MAX_WIDTH) + 2


# ---------------------------------------------------------------- pdf


def to_pdf(table: ReportTable, *, generated_at: datetime) -> bytes:
    """Return ``table`` as an A4 landscape PDF with the CJK font embedded.

    The document is laid out twice: the first pass counts the pages, so the
    second can print "第 N 页 共 M 页" on each.

    :raise FontMissingError: if the CJK font is not installed.
    """
    font = cjk_font()
    total = _render(table, generated_at, font, total=None)[1]
    return _render(table, generated_at, font, total=total)[0]


def _render(
    table: ReportTable, generated_at: datetime, font: str, *, total: int | None
) -> tuple[bytes, int]:
    out = io.BytesIO()
    margin = 12 * mm
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin + 4 * mm,
        title=table.title,
        author=CREATOR,
        creator=CREATOR,
    )
    pages: list[int] = []

    def footer(canvas: Any, document: Any) -> None:
        pages.append(document.page)
        canvas.saveState()
        canvas.setFont(font, 8)
        label = f"第 {document.page} 页 共 {total or '?'} 页"
        canvas.drawCentredString(landscape(A4)[0] / 2, margin / 2 + 2 * mm, label)
        canvas.restoreState()

    story = _story(table, generated_at, font, doc.width)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue(), len(pages)


def _story(table: ReportTable, generated_at: datetime, font: str, width: float) -> list:
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20)
    meta = ParagraphStyle("meta", fontName=font, fontSize=9, leading=12)
    cell = ParagraphStyle(
        "cell",
        fontName=font,
        fontSize=CELL_FONT_SIZE,
        leading=CELL_FONT_SIZE + 2,
        wordWrap="CJK",
    )
    story: list = [Paragraph(escape(table.title), title)]
    if table.subtitle:
        story.append(Paragraph(escape(table.subtitle), meta))
    story += [Paragraph(escape(generated_line(generated_at)), meta), Spacer(1, 4 * mm)]
    texts = table.text_rows()
    data = [[Paragraph(escape(h), cell) for h in table.columns]]
    data += [[Paragraph(escape(t), cell) for t in row] for row in texts]
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(f"#{HEADER_FILL}")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
    if not texts:
        data.append([Paragraph("（无记录）", cell)] + [""] * (len(table.columns) - 1))
        style.append(("SPAN", (0, 1), (-1, 1)))
    widths = _pdf_widths(table, texts, width, font)
    story.append(Table(data, colWidths=widths, repeatRows=1, style=TableStyle(style)))
    if table.notes:
        story.append(Spacer(1, 3 * mm))
        story += [Paragraph(escape(note), meta) for note in _notes(table)]
    return story


def _pdf_widths(
    table: ReportTable, texts: list[list[str]], width: float, font: str
) -> list:
    """Share the page width by each column's typical text; a column of codes,
    dates or numbers (text that cannot wrap) is at least as wide as they are."""
    weights, floors = [], []
    for index, name in enumerate(table.columns):
        cells = [row[index] for row in texts]
        longest = max([text_width(t) for t in cells], default=0)
        weights.append(min(max(longest, text_width(name), 4), 40))
        solid = [
            stringWidth(t, font, CELL_FONT_SIZE)
            for t in cells
            if t.isascii() and " " not in t
        ]
        floors.append(max(solid, default=0) + 2 * CELL_PADDING + 1)
    fixed: set[int] = set()
    scale = 0.0
    while len(fixed) < len(weights):
        free = width - sum(floors[i] for i in fixed)
        flexible = [i for i in range(len(weights)) if i not in fixed]
        scale = free / sum(weights[i] for i in flexible)
        short = {i for i in flexible if weights[i] * scale < floors[i]}
        if not short:
            break
        fixed |= short
    return [floors[i] if i in fixed else w * scale for i, w in enumerate(weights)]
