"""The department's red official seal (公章), drawn as vector graphics.

The layout follows the usual round seal of a Chinese government body: a thick
outer ring, a five-pointed star in the centre, the body's name along the upper
arc with each character upright towards the rim, and an optional bottom line
such as "行政审批专用章". It is a visual mark only; the legal signature is the
PAdES signature (:mod:`.pades`). It is drawn in a "multiply" blend so that text
under it stays legible, as ink on paper would.
"""

from __future__ import annotations

import math

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from govcore.certificates.fonts import cjk_font

__all__ = ["SEAL_RED", "SEAL_RADIUS", "OfficialSeal", "draw_seal"]

SEAL_RED = HexColor("#d0021b")
#: 42 mm across, the common size of a government body's seal.
SEAL_RADIUS = 21 * mm

# Proportions of the radius.
_RING = 0.055  # ring line width
_STAR = 0.27  # star's outer radius
_NAME = 0.25  # height of a name character
_CAPTION = 0.15  # height of a caption character
# Vertical offset of a CJK glyph's visual centre above its baseline, as a share
# of the font size (glyphs run from about -0.12 to 0.88 of the size).
_GLYPH_MIDDLE = 0.36


def draw_seal(
    canvas: Canvas,
    x: float,
    y: float,
    radius: float,
    name: str,
    caption: str = "",
    *,
    color: Color = SEAL_RED,
    opacity: float = 0.85,
) -> None:
    """Draw the seal centred at (``x``, ``y``).

    :param name: the body's name, laid along the upper arc.
    :param caption: an optional horizontal line under the star.
    :param opacity: 0–1; the seal is also multiplied onto what lies below.
    """
    font = cjk_font()
    canvas.saveState()
    canvas.translate(x, y)
    canvas.setBlendMode("Multiply")
    canvas.setFillColor(color)
    canvas.setStrokeColor(color)
    canvas.setFillAlpha(opacity)
    canvas.setStrokeAlpha(opacity)
    ring = radius * _RING
    canvas.setLineWidth(ring)
    canvas.circle(0, 0, radius - ring / 2, stroke=1, fill=0)
    _draw_star(canvas, radius * _STAR)
    _draw_arc_text(canvas, radius, name.strip(), font)
    if caption.strip():
        _draw_caption(canvas, radius, caption.strip(), font)
    canvas.restoreState()


def _draw_star(canvas: Canvas, outer: float) -> None:
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(54))
    path = canvas.beginPath()
    for point in range(10):
        length = outer if point % 2 == 0 else inner
        angle = math.radians(90 + point * 36)
        px, py = length * math.cos(angle), length * math.sin(angle)
        if point == 0:
            path.moveTo(px, py)
        else:
            path.lineTo(px, py)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def _draw_arc_text(canvas: Canvas, radius: float, text: str, font: str) -> None:
    """Each character upright towards the rim, spread evenly over an arc
    centred on the top; longer names get a wider arc and narrower glyphs."""
    count = len(text)
    if not count:
        return
    size = radius * _NAME
    centre = radius * (1 - 2 * _RING) - size / 2  # radius of the glyph centres
    span = math.radians(max(150.0, min(230.0, 20.0 * count)))
    step = span / count
    # Squeeze glyphs that would touch their neighbours, as seal cutters do.
    squeeze = min(1.0, 0.9 * centre * step / size)
    for index, char in enumerate(text):
        angle = math.pi / 2 + span / 2 - step * (index + 0.5)
        canvas.saveState()
        canvas.translate(centre * math.cos(angle), centre * math.sin(angle))
        canvas.rotate(math.degrees(angle) - 90)
        canvas.scale(squeeze, 1)
        canvas.setFont(font, size)
        canvas.drawCentredString(0, -size * _GLYPH_MIDDLE, char)
        canvas.restoreState()


def _draw_caption(canvas: Canvas, radius: float, text: str, font: str) -> None:
    size = radius * _CAPTION
    width = stringWidth(text, font, size)
    limit = radius * 1.2
    if width > limit:
        size *= limit / width
    canvas.setFont(font, size)
    canvas.drawCentredString(0, -radius * 0.55, text)


class OfficialSeal(Flowable):
    """The seal as a platypus flowable of ``2 × radius`` square."""

    def __init__(self, name: str, caption: str = "", radius: float = SEAL_RADIUS):
        super().__init__()
        self.name = name
        self.caption = caption
        self.radius = radius
        self.width = self.height = 2 * radius

    def wrap(self, available_width: float, available_height: float):
        return self.width, self.height

    def draw(self) -> None:
        r = self.radius
        draw_seal(self.canv, r, r, r, self.name, self.caption)
