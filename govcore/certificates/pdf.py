"""Render a result document to an A4 PDF.

Layout, top to bottom: (for a refusal decision, the department's name in red
over a red rule), the large centred title, the document number, a two-column
table of labelled fields (holder first, validity last), the note sections, and
a closing block at the foot of the last page: the QR code with the
verification address on the left, the issuer and issue date on the right under
the red seal. Sizes are for large print: 14 pt body text, 28 pt title.

The bytes are deterministic: reportlab runs in invariant mode, the PDF's
creation date is the issue date and its ``/ID`` is derived from the content, so
the same :class:`DocumentContent` always gives the same file (a test checks
it). The CJK font is embedded; see :mod:`.fonts`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.colors import Color, HexColor, black
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    HRFlowable,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from govcore.certificates.document import (
    DocumentContent,
    DocumentKind,
    Field,
    chinese_date,
)
from govcore.certificates.fonts import cjk_font
from govcore.certificates.qr import draw_qr
from govcore.certificates.seal import SEAL_RADIUS, SEAL_RED, draw_seal

__all__ = ["render_pdf"]

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 22 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 20 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

BODY_SIZE = 14
GREY = HexColor("#555555")
RULE_GREY = HexColor("#8c8c8c")
LABEL_BACKGROUND = HexColor("#f2f2f2")

NUMBER_LABELS = {
    DocumentKind.CERTIFICATE: "编号",
    DocumentKind.REFUSAL: "文号",
    DocumentKind.RECEIPT: "编号",
}
VERIFY_CAPTIONS = {
    DocumentKind.CERTIFICATE: "扫码核验本证照真伪",
    DocumentKind.REFUSAL: "扫码核验本决定书真伪",
    DocumentKind.RECEIPT: "扫码查询办理进度",
}


def render_pdf(content: DocumentContent) -> bytes:
    """The document as PDF bytes; equal contents give identical bytes.

    :raise FontMissingError: when the CJK font is not installed.
    """
    font = cjk_font()
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=content.title,
        author=content.department_name,
        subject=content.number,
        creator="miaopi",
        invariant=1,
        # With reportlab's default (Helvetica) every page would reference a
        # base-14 font that is not embedded.
        initialFontName=font,
    )
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        CONTENT_WIDTH,
        PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    decorate = _page_decorator(content, font)
    document.addPageTemplates([PageTemplate("page", [frame], onPage=decorate)])
    document.build(_story(content, font), canvasmaker=_canvas_maker(content))
    return buffer.getvalue()


def _canvas_maker(content: DocumentContent) -> Callable[..., Canvas]:
    """A canvas whose creation date is the issue date and whose ``/ID`` is
    derived from the content, so that nothing depends on the clock."""
    stamp = _pdf_date(content.issued_on)
    fingerprint = content.fingerprint()

    def make(*args, **kwargs) -> Canvas:
        canvas = Canvas(*args, **kwargs)
        canvas.setDateFormatter(lambda *_: stamp)
        canvas._doc.updateSignature(fingerprint)
        return canvas

    return make


def _pdf_date(day: date) -> str:
    return f"D:{day:%Y%m%d}000000+08'00'"


# -- styles ------------------------------------------------------------------


def _style(font: str, size: float, **options) -> ParagraphStyle:
    options.setdefault("leading", size * 1.45)
    return ParagraphStyle(
        f"{font}-{size}-{sorted(options.items())}",
        fontName=font,
        fontSize=size,
        wordWrap="CJK",
        **options,
    )


def _text(value: str) -> str:
    """Plain text as Paragraph markup: escaped, with line breaks kept."""
    return "<br/>".join(escape(line) for line in value.splitlines() or [""])


# -- story -------------------------------------------------------------------


def _story(content: DocumentContent, font: str) -> list[Flowable]:
    story: list[Flowable] = []
    if content.kind is DocumentKind.REFUSAL:
        story += _red_header(content, font)
    story.append(
        Paragraph(
            _text(content.title),
            _style(font, 28, alignment=TA_CENTER, leading=38, spaceAfter=3 * mm),
        )
    )
    number = f"{NUMBER_LABELS[content.kind]}：{content.number}"
    story.append(
        Paragraph(
            _text(number),
            _style(font, 13, alignment=TA_CENTER, textColor=GREY, spaceAfter=7 * mm),
        )
    )
    rows = [*content.holder, *content.fields]
    if content.validity:
        rows.append(Field("有效期限", content.validity))
    if rows:
        story.append(_field_table(rows, len(content.holder), font))
    for section in content.notes:
        story += _note_section(section.heading, section.paragraphs, font)
    story.append(_ClosingBlock(content, font))
    return _keep_closing_with_text(story)


def _keep_closing_with_text(story: list[Flowable]) -> list[Flowable]:
    """The issuer and seal should not stand alone on a page (GB/T 9704 asks
    the same of official documents): the last piece of text, with its
    heading, moves along with them, unless it is too tall to move (a long
    table), in which case it is left to split across pages."""
    closing = story.pop()
    tail = [story.pop()]
    while story and story[-1].getKeepWithNext():  # the heading of that text
        tail.insert(0, story.pop())
    height = sum(f.wrap(CONTENT_WIDTH, PAGE_HEIGHT)[1] for f in tail)
    if height > (PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) / 3:
        return [*story, *tail, closing]
    return [*story, KeepTogether([*tail, closing])]


def _red_header(content: DocumentContent, font: str) -> list[Flowable]:
    """The issuing body's name in red over a red rule (公文的发文机关标志)."""
    style = _style(font, 24, alignment=TA_CENTER, textColor=SEAL_RED, leading=32)
    return [
        Paragraph(_text(content.department_name), style),
        HRFlowable(
            width="100%",
            thickness=1.5,
            color=SEAL_RED,
            spaceBefore=2 * mm,
            spaceAfter=8 * mm,
        ),
    ]


def _field_table(rows: list[Field], holder_rows: int, font: str) -> Table:
    label_style = _style(font, BODY_SIZE, textColor=GREY)
    value_style = _style(font, BODY_SIZE, textColor=black)
    padding = 3 * mm
    widest = max(stringWidth(row.label, font, BODY_SIZE) for row in rows)
    label_width = min(max(widest + 2 * padding + 1, 32 * mm), 58 * mm)
    data = [
        [Paragraph(_text(r.label), label_style), Paragraph(_text(r.value), value_style)]
        for r in rows
    ]
    table = Table(
        data, colWidths=[label_width, CONTENT_WIDTH - label_width], splitByRow=1
    )
    commands = [
        # Cells hold paragraphs, but the table still selects the cell font
        # (Helvetica by default, which would not be embedded).
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("GRID", (0, 0), (-1, -1), 0.6, RULE_GREY),
        ("BOX", (0, 0), (-1, -1), 1.2, RULE_GREY),
        ("BACKGROUND", (0, 0), (0, -1), LABEL_BACKGROUND),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6 * mm),
    ]
    if 0 < holder_rows < len(rows):
        commands.append(
            ("LINEBELOW", (0, holder_rows - 1), (-1, holder_rows - 1), 1.2, RULE_GREY)
        )
    table.setStyle(TableStyle(commands))
    return table


def _note_section(
    heading: str, paragraphs: tuple[str, ...], font: str
) -> list[Flowable]:
    flowables: list[Flowable] = [Spacer(1, 5 * mm)]
    if heading:
        flowables.append(
            Paragraph(
                _text(heading),
                _style(font, BODY_SIZE + 1, spaceAfter=1.5 * mm, keepWithNext=1),
            )
        )
    body = _style(font, BODY_SIZE - 1, firstLineIndent=2 * (BODY_SIZE - 1))
    flowables += [Paragraph(_text(p), body) for p in paragraphs]
    return flowables


# -- closing block -------------------------------------------------------------

QR_SIZE = 32 * mm
URL_WIDTH = 80 * mm
ISSUER_SIZE = 15
DATE_Y = 10 * mm
CLOSING_HEIGHT = DATE_Y + 2 * SEAL_RADIUS - 2 * mm


class _ClosingBlock(Flowable):
    """QR code, issuer, date and seal, kept together at the foot of the page.

    It takes ``CLOSING_HEIGHT`` in the flow but draws itself at the bottom of
    the room left in the frame, so that it stands at the foot of the page.
    """

    def __init__(self, content: DocumentContent, font: str) -> None:
        super().__init__()
        self.content = content
        self.font = font
        self.room = 0.0

    def wrap(self, available_width: float, available_height: float):
        # The frame calls wrap with the room left just before drawing.
        self.width, self.height = available_width, CLOSING_HEIGHT
        self.room = available_height
        return self.width, self.height

    def split(self, available_width: float, available_height: float):
        return []

    def draw(self) -> None:
        self.canv.translate(0, -max(self.room - self.height, 0))
        self._draw_issuer()
        if self.content.verify_url:
            self._draw_verification()

    def _draw_issuer(self) -> None:
        canvas, font = self.canv, self.font
        name = self.content.department_name
        name_width = stringWidth(name, font, ISSUER_SIZE)
        # Centre the issuer lines under the seal, as far right as both fit.
        centre = self.width - max(name_width / 2, SEAL_RADIUS) - 2 * mm
        date_y = DATE_Y
        canvas.setFillColor(black)
        canvas.setFont(font, ISSUER_SIZE)
        canvas.drawCentredString(centre, date_y + 9 * mm, name)
        canvas.drawCentredString(centre, date_y, chinese_date(self.content.issued_on))
        # The seal sits over the issuer and presses on the date (压日期).
        draw_seal(
            canvas,
            centre,
            date_y + SEAL_RADIUS - 5 * mm,
            SEAL_RADIUS,
            name,
            self.content.seal_caption,
        )

    def _draw_verification(self) -> None:
        canvas, font = self.canv, self.font
        url = self.content.verify_url
        bottom = 4 * mm
        # One line when it fits at 6.5 pt or more (a URL broken in the middle
        # is hard to type), otherwise wrapped at any character.
        size = min(8.5, 6.5 * URL_WIDTH / max(stringWidth(url, font, 6.5), 1))
        paragraph = Paragraph(_text(url), _style(font, max(size, 6.5), textColor=GREY))
        _, url_height = paragraph.wrap(URL_WIDTH, 30 * mm)
        paragraph.drawOn(canvas, 0, bottom)
        caption_y = bottom + url_height + 2 * mm
        canvas.setFont(font, 10)
        canvas.setFillColor(GREY)
        canvas.drawString(0, caption_y, VERIFY_CAPTIONS[self.content.kind])
        # The code's own quiet zone (4 modules) stands left of the text edge.
        draw_qr(canvas, -2 * mm, caption_y + 3 * mm, QR_SIZE, url)


# -- page decoration ---------------------------------------------------------


def _page_decorator(content: DocumentContent, font: str) -> Callable:
    def decorate(canvas: Canvas, document: BaseDocTemplate) -> None:
        canvas.saveState()
        if content.kind is DocumentKind.CERTIFICATE:
            _draw_border(canvas, HexColor("#b08d57"))
        canvas.setFont(font, 9)
        canvas.setFillColor(GREY)
        y = 13.5 * mm
        if content.footer:
            canvas.drawString(MARGIN_X, y, content.footer)
        canvas.drawRightString(PAGE_WIDTH - MARGIN_X, y, f"第 {document.page} 页")
        canvas.restoreState()

    return decorate


def _draw_border(canvas: Canvas, color: Color) -> None:
    """A double frame around the page, as printed certificates have."""
    canvas.setStrokeColor(color)
    outer = 9 * mm
    canvas.setLineWidth(1.6)
    canvas.rect(outer, outer, PAGE_WIDTH - 2 * outer, PAGE_HEIGHT - 2 * outer)
    inner = outer + 1.6 * mm
    canvas.setLineWidth(0.5)
    canvas.rect(inner, inner, PAGE_WIDTH - 2 * inner, PAGE_HEIGHT - 2 * inner)
