"""Uploaded material scans and photos: checked, stripped and re-encoded.

Citizens photograph or scan documents at a kiosk or on a phone. What they send
is untrusted: it may not be an image at all, may be a decompression bomb, and
a genuine photo carries metadata (GPS position, camera serial, thumbnails) that
the government has no business keeping. :func:`clean_image` accepts JPEG, PNG
and WebP by their first bytes, checks the dimensions before decoding a single
pixel, and returns a *new* JPEG or PNG with the pixels only.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps

from govcore.errors import TooLargeError, UnsupportedMediaError, ValidationError

JPEG = "JPEG"
PNG = "PNG"
WEBP = "WEBP"
JPEG_QUALITY = 90

_MEDIA_TYPES = {JPEG: ("image/jpeg", "jpg"), PNG: ("image/png", "png")}
# What each accepted input becomes: photos stay JPEG, the rest become PNG
# (lossless, keeps transparency, e.g. a signature from a signature pad).
_OUTPUT_FORMAT = {JPEG: JPEG, PNG: PNG, WEBP: PNG}


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded image holding pixels only, ready to store.

    ``sha256`` is the hex digest of ``content``; ``width`` and ``height`` are
    those of ``content`` (after applying the EXIF orientation).
    """

    content: bytes
    media_type: str
    extension: str
    width: int
    height: int
    sha256: str


@dataclass(frozen=True)
class UploadLimits:
    """Limits on one uploaded file: its size, its pixel count, its longer side."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_side: int = 12_000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> UploadLimits:
        """The limits ``UPLOAD_MAX_BYTES`` and ``UPLOAD_MAX_PIXELS`` set."""
        return cls(
            max_bytes=config["UPLOAD_MAX_BYTES"], max_pixels=config["UPLOAD_MAX_PIXELS"]
        )


def clean_image(data: bytes, *, limits: UploadLimits = UploadLimits()) -> CleanImage:
    """Check an uploaded image and return a metadata-free re-encoding of it.

    The type is decided by the content alone: JPEG stays JPEG (RGB, quality
    90), PNG and WebP become PNG (transparency kept). The EXIF orientation is
    applied to the pixels, then everything else (EXIF, GPS, ICC profile, XMP,
    text chunks) is left behind.

    :raise TooLargeError: if ``data`` is over ``limits.max_bytes``.
    :raise UnsupportedMediaError: if ``data`` is not a JPEG, PNG or WebP image.
    :raise ValidationError: with code ``image_too_large`` if the image has too
        many pixels or too long a side, ``corrupt_image`` if it cannot be read.
    """
    if len(data) > limits.max_bytes:
        raise TooLargeError(
            f"文件过大：最大 {_megabytes(limits.max_bytes)}，请压缩或重新拍摄后上传"
            f"（file over {limits.max_bytes} bytes）",
            field="file",
        )
    input_format = sniff_format(data)
    if input_format is None:
        raise UnsupportedMediaError(
            "文件格式不支持：请上传 JPG 或 PNG 格式的照片或扫描件"
            "（only JPEG, PNG or WebP images are accepted）",
            field="file",
        )
    output_format = _OUTPUT_FORMAT[input_format]
    pixels = _decode(data, input_format, limits)
    pixels = _upright(pixels)
    return _encode(_pixels_only(pixels, output_format), output_format)


def sniff_format(data: bytes) -> str | None:
    """Return ``"JPEG"``, ``"PNG"`` or ``"WEBP"`` from the first bytes, else None."""
    # Written by hand on purpose: Pillow decodes dozens of formats (EPS, PSD,
    # ICO, TIFF, PCX, ...) and would happily accept any of them; each one is a
    # parser exposed to the public. An allow-list of three signatures, checked
    # before Pillow sees the data, is the point.
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def _decode(data: bytes, input_format: str, limits: UploadLimits) -> Image.Image:
    """Open ``data`` as ``input_format``, check its size, then decode the pixels."""
    try:
        # Pillow warns (DecompressionBombWarning) or raises
        # (DecompressionBombError) on huge images while opening; make the
        # warning an exception here so it never reaches the log or the caller.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[input_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(limits) from None
    except Exception:  # Pillow raises many types on bad input
        raise _corrupt() from None
    width, height = image.size
    if max(width, height) > limits.max_side or width * height > limits.max_pixels:
        raise _too_many_pixels(limits)
    try:
        image.load()
    except Exception:  # truncated or malformed data, or a decoder warning
        raise _corrupt() from None
    return image


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; a photo with unreadable EXIF stays as stored."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # broken EXIF must not cost the citizen a good photo
        return image


def _pixels_only(image: Image.Image, output_format: str) -> Image.Image:
    """Return a new image with ``image``'s pixels in a mode the output can hold.

    The result is made with :func:`PIL.Image.new`, so it has no ``info`` at
    all: no EXIF, ICC profile, XMP or text to be written by accident.
    """
    if image.mode.startswith("I"):  # 16-bit greyscale scans: scale to 8 bits
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if output_format == JPEG:
        mode = "RGB"
    elif image.has_transparency_data:
        mode = "LA" if image.mode == "LA" else "RGBA"
    else:
        mode = "L" if image.mode in ("1", "L") else "RGB"
    converted = image.convert(mode) if image.mode != mode else image
    clean = Image.new(mode, converted.size)
    clean.paste(converted, (0, 0))
    return clean


def _encode(image: Image.Image, output_format: str) -> CleanImage:
    buffer = io.BytesIO()
    if output_format == JPEG:
        image.save(buffer, JPEG, quality=JPEG_QUALITY)
    else:
        image.save(buffer, PNG)
    content = buffer.getvalue()
    media_type, extension = _MEDIA_TYPES[output_format]
    return CleanImage(
        content=content,
        media_type=media_type,
        extension=extension,
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _too_many_pixels(limits: UploadLimits) -> ValidationError:
    return ValidationError(
        f"图片尺寸过大：最多 {limits.max_pixels // 10_000} 万像素、"
        f"长边不超过 {limits.max_side} 像素，请降低分辨率后重新上传"
        f"（image over {limits.max_pixels} pixels or {limits.max_side} px a side）",
        field="file",
        code="image_too_large",
    )


def _corrupt() -> ValidationError:
    return ValidationError(
        "图片已损坏或不完整，无法读取，请重新拍摄或扫描后上传"
        "（image is corrupt or truncated）",
        field="file",
        code="corrupt_image",
    )


def _megabytes(size: int) -> str:
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MB"
    return f"{size / (1024 * 1024):.1f} MB"
