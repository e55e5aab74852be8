"""Synthetic pictures of a sheet of paper, and measurements on the results.

The sheet is white with one thick black bar across its upper part and a black
square in its top-left corner, so that a result can be checked for tilt (the
bar) and for orientation (the square).
"""

from __future__ import annotations

import io
import math

import cv2
import numpy as np
from PIL import Image

PAGE_SIZE = (850, 1100)  # width, height: a letter-ish portrait sheet
BACKGROUND = 40


def sheet() -> np.ndarray:
    """The flat sheet, RGB."""
    width, height = PAGE_SIZE
    page = np.full((height, width, 3), 250, np.uint8)
    cv2.rectangle(page, (100, 300), (750, 340), (0, 0, 0), -1)
    cv2.rectangle(page, (80, 80), (180, 180), (0, 0, 0), -1)
    for y in range(450, 1000, 50):  # grey "text lines"
        cv2.rectangle(page, (100, y), (700, y + 12), (90, 90, 90), -1)
    return page


def photographed_sheet(angle: float = 7.0, frame=(1600, 1200)) -> np.ndarray:
    """The sheet on a dark desk, turned by ``angle`` degrees and slightly keystoned."""
    width, height = PAGE_SIZE
    frame_width, frame_height = frame
    scale = 0.75 * frame_height / height
    corners = np.array(
        [[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64
    )
    corners = (corners - [width / 2, height / 2]) * scale
    corners[:2, 0] *= 0.95  # the far edge looks a little shorter
    turn = math.radians(angle)
    rotation = np.array(
        [[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]]
    )
    target = corners @ rotation.T + [frame_width / 2, frame_height / 2]
    source = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(source, target.astype(np.float32))
    desk = np.full((frame_height, frame_width, 3), BACKGROUND, np.uint8)
    return cv2.warpPerspective(
        sheet(),
        matrix,
        (frame_width, frame_height),
        dst=desk,
        borderMode=cv2.BORDER_TRANSPARENT,
    )


def rotated_sheet(angle: float) -> np.ndarray:
    """The sheet as a flatbed sees it when laid crooked: white around it."""
    width, height = PAGE_SIZE
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(sheet(), matrix, (width, height), borderValue=(250, 250, 250))


def decode(jpeg: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG"
        return np.asarray(image.convert("RGB"))


def bar_tilt(pixels: np.ndarray) -> float:
    """The tilt in degrees of the black bar, from its centre line at both ends."""
    gray = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    height, width = gray.shape
    band = gray[int(height * 0.2) : int(height * 0.4)]  # the bar, not the square
    dark = band < 60
    left = slice(int(width * 0.25), int(width * 0.35))
    right = slice(int(width * 0.65), int(width * 0.75))
    rows = np.arange(band.shape[0])[:, None]
    left_y = (rows * dark[:, left]).sum() / dark[:, left].sum()
    right_y = (rows * dark[:, right]).sum() / dark[:, right].sum()
    return math.degrees(math.atan2(right_y - left_y, width * 0.4))


def square_is_top_left(pixels: np.ndarray) -> bool:
    gray = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    height, width = gray.shape
    corners = {
        "top_left": gray[: height // 5, : width // 4],
        "top_right": gray[: height // 5, -(width // 4) :],
        "bottom_left": gray[-(height // 5) :, : width // 4],
        "bottom_right": gray[-(height // 5) :, -(width // 4) :],
    }
    darkest = min(corners, key=lambda name: corners[name].mean())
    return darkest == "top_left"


def border_brightness(pixels: np.ndarray, width: int = 4) -> float:
    """The mean grey level of the outermost ``width`` pixels all round."""
    gray = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY).astype(float)
    edges = [gray[:width], gray[-width:], gray[:, :width], gray[:, -width:]]
    return float(np.mean([edge.mean() for edge in edges]))
