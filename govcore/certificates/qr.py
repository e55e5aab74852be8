"""QR codes drawn as vector rectangles on a reportlab canvas.

Why the ``qrcode`` library and not reportlab's ``QrCodeWidget`` or a bitmap:
``qrcode`` only computes the module matrix (fast, deterministic, the library the
team already uses), and drawing the dark modules as filled rectangles keeps the
code sharp at any printer resolution without embedding an image. Adjacent dark
modules of a row are merged into one rectangle and all rectangles are filled
as one path, which keeps the page stream small and leaves no anti-aliasing
seams between touching modules.
"""

from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.pdfgen.canvas import Canvas

__all__ = ["QUIET_ZONE", "draw_qr", "qr_matrix"]

#: Light modules around the code, as the QR standard asks (4).
QUIET_ZONE = 4


def qr_matrix(data: str) -> list[list[bool]]:
    """The module matrix of ``data`` (error correction M, smallest version),
    quiet zone included; ``True`` is a dark module."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def draw_qr(canvas: Canvas, x: float, y: float, size: float, data: str) -> None:
    """Draw the QR code of ``data`` as a ``size`` × ``size`` square (quiet
    zone included) whose lower-left corner is at (``x``, ``y``)."""
    matrix = qr_matrix(data)
    module = size / len(matrix)
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * module
        for start, length in _dark_runs(row):
            path.rect(x + start * module, top, length * module, module)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def _dark_runs(row: list[bool]) -> list[tuple[int, int]]:
    """``(start, length)`` of each run of dark modules in ``row``."""
    runs: list[tuple[int, int]] = []
    start = None
    for index, dark in enumerate([*row, False]):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            runs.append((start, index - start))
            start = None
    return runs
