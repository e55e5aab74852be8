"""What every scan goes through before it leaves the device layer.

A flatbed scan or a document-camera frame arrives as a picture of a desk or a
scanner bed with a sheet of paper somewhere on it. :func:`clean_page` finds the
sheet (the largest four-cornered outline), straightens it to a rectangle,
turns slightly crooked content upright, trims what is left of the background,
scales it down to a sensible pixel count and encodes a metadata-free JPEG.
:func:`pages_to_pdf` wraps such JPEGs into one PDF without re-encoding them.

The functions work on RGB ``numpy`` arrays (``uint8``, ``height × width × 3``)
so that both sources (SANE gives PIL images, OpenCV gives BGR arrays) meet in
one place. Pixel and byte limits follow the idea of
``govcore.applications.uploads``: check the size before spending work on it,
and refuse with a clear message (:class:`DeviceError` code ``too_large``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import img2pdf
import numpy as np
from PIL import Image

from govcore.ports import DeviceError, ScannedPage

__all__ = [
    "ScanLimits",
    "clean_page",
    "crop_to_page",
    "deskew",
    "downscale",
    "encode_jpeg",
    "estimate_skew",
    "find_page",
    "pages_to_pdf",
    "to_rgb_array",
    "trim_background",
]

JPEG_QUALITY = 85
# Lowest quality tried before a page is refused as too large.
MIN_JPEG_QUALITY = 50
# Slight skews are corrected; anything steeper is more likely a page laid
# sideways or a photo, which a rotation by a guessed angle would only spoil.
MAX_DESKEW_DEGREES = 15.0
MIN_DESKEW_DEGREES = 0.3
# A sheet must cover this share of the frame to count as "the page".
MIN_PAGE_AREA = 0.15
# An outline this close to the whole frame is the frame, not a sheet on it.
MAX_PAGE_AREA = 0.98
# The skew is measured on a copy of at most this many pixels a side.
SKEW_SAMPLE_SIDE = 600
A4_MM = (210.0, 297.0)


@dataclass(frozen=True)
class ScanLimits:
    """Limits on what a scan may produce.

    ``max_input_pixels`` refuses absurd frames before any work is done;
    ``max_pixels`` is the size a page is scaled down to (about 6 MP: A4 at
    300 dpi is 8.7 MP, at 250 dpi 6 MP); ``max_page_bytes`` and
    ``max_pdf_bytes`` bound the encoded results.
    """

    max_input_pixels: int = 60_000_000
    max_pixels: int = 6_000_000
    max_page_bytes: int = 3 * 1024 * 1024
    max_pdf_bytes: int = 20 * 1024 * 1024
    max_pages: int = 50


def clean_page(
    image: Image.Image | np.ndarray,
    *,
    dpi: int,
    limits: ScanLimits = ScanLimits(),
    find_sheet: bool = True,
    straighten: bool = True,
) -> ScannedPage:
    """Turn one raw capture into a :class:`ScannedPage`.

    :param image: a PIL image or an RGB ``uint8`` array.
    :param dpi: the resolution of ``image``; the page's dpi is scaled along
        with the pixels.
    :param find_sheet: look for the sheet and fix its perspective (document
        cameras, flatbeds with a dark lid).
    :param straighten: rotate slightly skewed content upright.
    :raise DeviceError: code ``too_large`` if the input has too many pixels or
        the JPEG stays over ``limits.max_page_bytes`` even at low quality.
    """
    pixels = to_rgb_array(image, limits=limits)
    if find_sheet:
        pixels = crop_to_page(pixels)
    pixels = trim_background(pixels)
    if straighten:
        pixels = deskew(pixels)
    scaled = downscale(pixels, limits.max_pixels)
    factor = scaled.shape[1] / pixels.shape[1]
    jpeg = encode_jpeg(scaled, max_bytes=limits.max_page_bytes)
    height, width = scaled.shape[:2]
    return ScannedPage(
        jpeg=jpeg, width=width, height=height, dpi=max(1, round(dpi * factor))
    )


def to_rgb_array(
    image: Image.Image | np.ndarray, *, limits: ScanLimits = ScanLimits()
) -> np.ndarray:
    """``image`` as an RGB ``uint8`` array, after checking its pixel count.

    :raise DeviceError: code ``too_large`` over ``limits.max_input_pixels``.
    """
    if isinstance(image, Image.Image):
        width, height = image.size
    else:
        height, width = image.shape[:2]
    if width * height > limits.max_input_pixels:
        raise _too_large(
            f"扫描图像过大（{width}×{height}），请降低扫描分辨率后重试"
            f"（over {limits.max_input_pixels} pixels）"
        )
    if isinstance(image, Image.Image):
        if image.mode.startswith("I"):  # 16-bit scans: keep the top 8 bits
            image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
        return np.asarray(image.convert("RGB"), dtype=np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image.astype(np.uint8), cv2.COLOR_GRAY2RGB)
    return np.ascontiguousarray(image[:, :, :3], dtype=np.uint8)


# ------------------------------------------------------------ the sheet


def find_page(pixels: np.ndarray) -> np.ndarray | None:
    """The corners of the sheet (top-left, top-right, bottom-right, bottom-left).

    The sheet is the largest outer contour of the Otsu-thresholded frame that
    simplifies to four corners and covers at least :data:`MIN_PAGE_AREA` of
    it. Return None when there is no such contour (a flatbed scan of a whole
    page, a sheet on a light desk).
    """
    gray = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    _, mask = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    frame_area = gray.shape[0] * gray.shape[1]
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
        area = cv2.contourArea(contour)
        if area < MIN_PAGE_AREA * frame_area:
            break
        if area > MAX_PAGE_AREA * frame_area:
            continue
        outline = cv2.approxPolyDP(contour, 0.02 * cv2.arcLength(contour, True), True)
        if len(outline) == 4 and cv2.isContourConvex(outline):
            return _order_corners(outline.reshape(4, 2).astype(np.float32))
    return None


def crop_to_page(pixels: np.ndarray) -> np.ndarray:
    """The sheet, warped to an upright rectangle; the frame itself if none is found."""
    corners = find_page(pixels)
    if corners is None:
        return pixels
    top_left, top_right, bottom_right, bottom_left = corners
    width = round(
        max(
            np.linalg.norm(top_right - top_left),
            np.linalg.norm(bottom_right - bottom_left),
        )
    )
    height = round(
        max(
            np.linalg.norm(bottom_left - top_left),
            np.linalg.norm(bottom_right - top_right),
        )
    )
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(corners, target)
    return cv2.warpPerspective(pixels, matrix, (width, height), flags=cv2.INTER_LINEAR)


def _order_corners(points: np.ndarray) -> np.ndarray:
    # Top-left has the smallest x + y, bottom-right the largest; top-right has
    # the smallest y - x, bottom-left the largest.
    sums = points.sum(axis=1)
    diffs = np.diff(points, axis=1).ravel()
    return np.array(
        [
            points[np.argmin(sums)],
            points[np.argmin(diffs)],
            points[np.argmax(sums)],
            points[np.argmax(diffs)],
        ],
        dtype=np.float32,
    )


# ------------------------------------------------------------- deskewing


def estimate_skew(pixels: np.ndarray) -> float:
    """The angle in degrees by which the content leans (counter-clockwise positive).

    Found with the projection profile: the ink (Otsu-thresholded dark pixels)
    is turned by candidate angles, and the angle whose row sums change most
    sharply from row to row is the one that lines text, rules and tables up
    with the rows. Searched over ±45° in 1° steps, then refined to 0.1°.
    0.0 when there is no ink to measure.
    """
    gray = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    # Otsu on a blank page splits paper noise; too little or too much "ink"
    # means there is nothing to measure.
    if not 0.001 < cv2.countNonZero(ink) / ink.size < 0.5:
        return 0.0
    factor = min(1.0, SKEW_SAMPLE_SIDE / max(ink.shape))
    if factor < 1.0:
        ink = cv2.resize(ink, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    coarse = np.arange(-45.0, 45.5, 1.0)
    best = max(coarse, key=lambda angle: _profile_sharpness(ink, angle))
    fine = np.arange(best - 1.0, best + 1.05, 0.1)
    best = max(fine, key=lambda angle: _profile_sharpness(ink, angle))
    # Turning by ``best`` straightens the content, so it leaned by ``-best``.
    return round(-float(best), 2) + 0.0


def _profile_sharpness(ink: np.ndarray, angle: float) -> float:
    height, width = ink.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    turned = cv2.warpAffine(ink, matrix, (width, height), flags=cv2.INTER_NEAREST)
    rows = turned.sum(axis=1, dtype=np.float64)
    return float(np.sum(np.diff(rows) ** 2))


def deskew(pixels: np.ndarray, *, max_angle: float = MAX_DESKEW_DEGREES) -> np.ndarray:
    """``pixels`` rotated so that the content is upright; unchanged if in doubt."""
    angle = estimate_skew(pixels)
    if not MIN_DESKEW_DEGREES <= abs(angle) <= max_angle:
        return pixels
    height, width = pixels.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -angle, 1.0)
    return cv2.warpAffine(
        pixels,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


# -------------------------------------------------------------- margins


def trim_background(
    pixels: np.ndarray, *, darkness: int = 90, max_share: float = 0.1
) -> np.ndarray:
    """Cut dark, even background strips (scanner lid, desk) off a light page.

    An edge row or column is background when its median is darker than
    ``darkness`` and it is nearly uniform; at most ``max_share`` of each side
    is cut. Dark pages (the middle is dark too) are returned as they are.
    """
    gray = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    height, width = gray.shape
    middle = gray[height // 4 : height - height // 4, width // 4 : width - width // 4]
    if middle.size == 0 or np.median(middle) < darkness + 60:
        return pixels
    rows = (np.median(gray, axis=1) < darkness) & (gray.std(axis=1) < 25)
    cols = (np.median(gray, axis=0) < darkness) & (gray.std(axis=0) < 25)
    top = _leading(rows, max_share)
    bottom = height - _leading(rows[::-1], max_share)
    left = _leading(cols, max_share)
    right = width - _leading(cols[::-1], max_share)
    return pixels[top:bottom, left:right]


def _leading(flags: np.ndarray, max_share: float) -> int:
    limit = int(len(flags) * max_share)
    count = 0
    while count < limit and flags[count]:
        count += 1
    return count


# ------------------------------------------------------------- encoding


def downscale(pixels: np.ndarray, max_pixels: int) -> np.ndarray:
    """``pixels`` scaled down (aspect kept) to at most ``max_pixels``."""
    height, width = pixels.shape[:2]
    if width * height <= max_pixels:
        return pixels
    factor = (max_pixels / (width * height)) ** 0.5
    size = (max(1, int(width * factor)), max(1, int(height * factor)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def encode_jpeg(
    pixels: np.ndarray,
    *,
    quality: int = JPEG_QUALITY,
    max_bytes: int = ScanLimits.max_page_bytes,
) -> bytes:
    """A baseline JPEG of ``pixels`` with no metadata at all.

    The quality drops in steps of 10 down to :data:`MIN_JPEG_QUALITY` while
    the result is over ``max_bytes``.

    :raise DeviceError: code ``too_large`` if even that is too large.
    """
    # A fresh PIL image carries no EXIF, ICC or comment: pixels only.
    image = Image.fromarray(pixels, "RGB")
    while True:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True)
        if buffer.tell() <= max_bytes:
            return buffer.getvalue()
        if quality - 10 < MIN_JPEG_QUALITY:
            raise _too_large(
                f"扫描页面过大：超过 {_megabytes(max_bytes)}，请降低分辨率后重新扫描"
                f"（JPEG over {max_bytes} bytes）"
            )
        quality -= 10


def pages_to_pdf(
    pages: Sequence[ScannedPage], *, limits: ScanLimits = ScanLimits()
) -> bytes:
    """One PDF with a page per scan, each JPEG embedded as is, fitted into A4.

    :raise DeviceError: code ``too_large`` over ``limits.max_pages`` pages or
        ``limits.max_pdf_bytes``; code ``no_pages`` for an empty list.
    """
    if not pages:
        raise DeviceError("没有可生成文件的扫描页面（no pages）", code="no_pages")
    if len(pages) > limits.max_pages:
        raise _too_large(
            f"扫描页数过多：最多 {limits.max_pages} 页（{len(pages)} pages）"
        )
    a4 = (img2pdf.mm_to_pt(A4_MM[0]), img2pdf.mm_to_pt(A4_MM[1]))
    layout = img2pdf.get_layout_fun(a4, fit=img2pdf.FitMode.into, auto_orient=True)
    pdf = img2pdf.convert([page.jpeg for page in pages], layout_fun=layout)
    if len(pdf) > limits.max_pdf_bytes:
        raise _too_large(
            f"扫描文件过大：超过 {_megabytes(limits.max_pdf_bytes)}，"
            f"请减少页数或降低分辨率（PDF over {limits.max_pdf_bytes} bytes）"
        )
    return pdf


def _too_large(message: str) -> DeviceError:
    return DeviceError(message, code="too_large")


def _megabytes(size: int) -> str:
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    return f"{size / (1024 * 1024):.1f} MB"
