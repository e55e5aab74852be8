"""Cleaning uploaded images: type by content, size limits, metadata stripped."""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, ImageFile
from PIL.PngImagePlugin import PngInfo

from govcore.applications.uploads import (
    CleanImage,
    UploadLimits,
    clean_image,
    sniff_format,
)
from govcore.errors import (
    GovCoreError,
    TooLargeError,
    UnsupportedMediaError,
    ValidationError,
)

MB = 1024 * 1024
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-xmp</x:xmpmeta>'


# --- building images -------------------------------------------------------------


def picture(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """A picture with distinct quadrants, so rotations can be told apart."""
    image = Image.new("RGB", size, (255, 255, 255))
    w, h = size
    image.paste((255, 0, 0), (0, 0, w // 2, h // 2))
    image.paste((0, 0, 255), (w // 2, h // 2, w, h))
    return image.convert(mode)


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Secret Model X"
    exif[ExifTags.Base.Software] = "CameraApp"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 8.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 12.25)
    return exif


def png_of_size(width: int, height: int) -> bytes:
    """A small 1x1 PNG whose IHDR claims ``width`` x ``height``."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def jpeg_segments(content: bytes) -> list[int]:
    """The markers of a JPEG's header segments, up to the start of scan."""
    markers, i = [], 2
    while i < len(content):
        assert content[i] == 0xFF
        marker = content[i + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        (length,) = struct.unpack(">H", content[i + 2 : i + 4])
        i += 2 + length
    raise AssertionError("no start of scan")


def png_chunks(content: bytes) -> list[bytes]:
    chunks, i = [], 8
    while i < len(content):
        (length,) = struct.unpack(">I", content[i : i + 4])
        chunks.append(content[i + 4 : i + 8])
        i += 12 + length
    return chunks


def assert_no_metadata(clean: CleanImage) -> None:
    with Image.open(io.BytesIO(clean.content)) as reopened:
        assert reopened.size == (clean.width, clean.height)
        assert not reopened.getexif()
        assert "icc_profile" not in reopened.info
        assert "exif" not in reopened.info
        assert "xmp" not in reopened.info
        reopened.load()
    for needle in (b"Exif", b"GPS", b"ICC_PROFILE", b"xmp", b"Secret", b"secret"):
        assert needle not in clean.content
    if clean.media_type == "image/jpeg":
        assert clean.extension == "jpg"
        segments = jpeg_segments(clean.content)
        # APP1..APP15 (EXIF, XMP, ICC, Photoshop, ...) and COM must be gone.
        assert not [m for m in segments if 0xE1 <= m <= 0xEF or m == 0xFE]
    else:
        assert (clean.media_type, clean.extension) == ("image/png", "png")
        allowed = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
        assert set(png_chunks(clean.content)) <= allowed
    assert clean.sha256 == hashlib.sha256(clean.content).hexdigest()


def decoded(clean: CleanImage) -> Image.Image:
    image = Image.open(io.BytesIO(clean.content))
    image.load()
    return image


def near(actual: tuple[int, ...], expected: tuple[int, ...], tolerance=40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected))


# --- metadata is stripped --------------------------------------------------------


def test_jpeg_with_gps_exif_icc_and_xmp_comes_out_bare() -> None:
    data = encode(
        picture(), "JPEG", exif=gps_exif(), icc_profile=SRGB, xmp=XMP, comment=b"secret"
    )
    with Image.open(io.BytesIO(data)) as original:  # the fixture really has it all
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "icc_profile" in original.info
    assert b"Exif" in data and b"secret" in data

    clean = clean_image(data)

    assert (clean.media_type, clean.extension) == ("image/jpeg", "jpg")
    assert (clean.width, clean.height) == (64, 48)
    assert_no_metadata(clean)
    assert decoded(clean).mode == "RGB"


def test_exif_orientation_6_is_applied_to_the_pixels() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored turned; display rotated 90° CW
    data = encode(picture((64, 48)), "JPEG", exif=exif, quality=95)

    clean = clean_image(data)

    assert (clean.width, clean.height) == (48, 64)
    image = decoded(clean)
    # The red top-left quadrant, turned 90° clockwise, is now at the top right.
    assert near(image.getpixel((40, 8)), (255, 0, 0))
    assert near(image.getpixel((8, 8)), (255, 255, 255))
    assert near(image.getpixel((8, 56)), (0, 0, 255))
    assert_no_metadata(clean)


def test_png_with_text_chunks_and_exif_keeps_alpha_and_loses_the_rest() -> None:
    image = picture((20, 10), "RGBA")
    image.putpixel((0, 0), (10, 20, 30, 0))
    image.putpixel((19, 9), (10, 20, 30, 128))
    info = PngInfo()
    info.add_text("Comment", "secret comment")
    info.add_itxt("Author", "secret 作者")
    info.add_text("XML:com.adobe.xmp", XMP.decode())
    data = encode(image, "PNG", pnginfo=info, exif=gps_exif(), icc_profile=SRGB)
    assert b"tEXt" in data and b"iCCP" in data

    clean = clean_image(data)

    assert (clean.media_type, clean.extension) == ("image/png", "png")
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP"):
        assert chunk not in clean.content
    assert_no_metadata(clean)
    out = decoded(clean)
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0)) == (10, 20, 30, 0)
    assert out.getpixel((19, 9)) == (10, 20, 30, 128)
    assert out.getpixel((0, 9)) == (255, 255, 255, 255)


def test_webp_becomes_png_with_alpha() -> None:
    image = picture((30, 20), "RGBA")
    image.putpixel((0, 0), (0, 0, 0, 0))
    data = encode(image, "WEBP", lossless=True, exif=gps_exif(), icc_profile=SRGB)
    assert sniff_format(data) == "WEBP"

    clean = clean_image(data)

    assert (clean.media_type, clean.extension) == ("image/png", "png")
    assert (clean.width, clean.height) == (30, 20)
    assert_no_metadata(clean)
    out = decoded(clean)
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0))[3] == 0
    assert out.getpixel((25, 15)) == (0, 0, 255, 255)


def test_opaque_webp_becomes_rgb_png() -> None:
    clean = clean_image(encode(picture((30, 20)), "WEBP", quality=90))

    assert clean.media_type == "image/png"
    assert decoded(clean).mode == "RGB"


@pytest.mark.parametrize("mode", ["CMYK", "L"])
def test_cmyk_and_greyscale_jpeg_become_rgb(mode: str) -> None:
    clean = clean_image(encode(picture(mode=mode), "JPEG", icc_profile=SRGB))

    assert clean.media_type == "image/jpeg"
    assert decoded(clean).mode == "RGB"
    assert_no_metadata(clean)


def test_palette_png_with_transparency_becomes_rgba() -> None:
    image = picture((16, 16)).convert("P")
    image.info["transparency"] = image.getpixel((0, 0))

    clean = clean_image(encode(image, "PNG"))

    out = decoded(clean)
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0))[3] == 0
    assert out.getpixel((15, 15))[3] == 255


def test_sixteen_bit_greyscale_png_is_scaled_to_eight_bits() -> None:
    image = Image.new("I;16", (4, 1))
    for x, value in enumerate((0, 0x4000, 0x8000, 0xFFFF)):
        image.putpixel((x, 0), value)

    clean = clean_image(encode(image, "PNG"))

    out = decoded(clean)
    assert out.mode == "L"
    assert [out.getpixel((x, 0)) for x in range(4)] == [0, 64, 128, 255]


def test_greyscale_and_bilevel_png_stay_greyscale() -> None:
    for mode in ("L", "1"):
        assert decoded(clean_image(encode(picture(mode=mode), "PNG"))).mode == "L"


def test_output_is_deterministic() -> None:
    data = encode(picture(), "JPEG", exif=gps_exif())

    assert clean_image(data) == clean_image(data)


# --- the type is decided by the content ------------------------------------------

NOT_IMAGES = {
    "exe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200),
    "pdf": b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n",
    "zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(100),
    "gif": encode(Image.new("P", (4, 4)), "GIF"),
    "bmp": encode(Image.new("RGB", (4, 4)), "BMP"),
    "tiff": encode(Image.new("RGB", (4, 4)), "TIFF"),
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
    "html": b"<!doctype html><script>alert(1)</script>",
    "empty": b"",
    "jpeg-prefix-only": b"\xff\xd8",
    "riff-not-webp": b"RIFF\x24\x00\x00\x00WAVEfmt ",
}


@pytest.mark.parametrize("kind", sorted(NOT_IMAGES))
def test_anything_but_jpeg_png_webp_is_unsupported(kind: str) -> None:
    with pytest.raises(UnsupportedMediaError) as caught:
        clean_image(NOT_IMAGES[kind])

    assert caught.value.code == "unsupported_media_type"
    assert "JPG" in caught.value.message and "PNG" in caught.value.message
    assert "请上传" in caught.value.message


def test_an_executable_is_refused_before_pillow_sees_it(monkeypatch) -> None:
    def no_decoding(*args, **kwargs):
        raise AssertionError("Pillow must not be asked")

    monkeypatch.setattr(Image, "open", no_decoding)

    with pytest.raises(UnsupportedMediaError):
        clean_image(NOT_IMAGES["exe"])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xd8\xff\xe0", "JPEG"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WEBP"),
        (b"\x89PNG\r\n\x1a", None),
        (b"RIFF\x00\x00\x00\x00WEB", None),
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_sniff_format(data: bytes, expected: str | None) -> None:
    assert sniff_format(data) == expected


def test_a_png_with_a_jpeg_signature_is_corrupt_not_decoded_as_png() -> None:
    # Pillow is held to the sniffed format: a PNG body behind a JPEG signature
    # is not quietly read as a PNG.
    data = b"\xff\xd8\xff" + encode(picture(), "PNG")[3:]

    with pytest.raises(ValidationError) as caught:
        clean_image(data)

    assert caught.value.code == "corrupt_image"


# --- size limits -----------------------------------------------------------------


def test_over_ten_megabytes_is_too_large_without_decoding(monkeypatch) -> None:
    def no_decoding(*args, **kwargs):
        raise AssertionError("the size is checked before decoding")

    monkeypatch.setattr(Image, "open", no_decoding)
    data = b"\xff\xd8\xff\xe0" + bytes(10 * MB + 1 - 4)

    with pytest.raises(TooLargeError) as caught:
        clean_image(data)

    assert caught.value.code == "too_large"
    assert "10 MB" in caught.value.message
    assert "文件过大" in caught.value.message


def test_the_byte_limit_is_inclusive() -> None:
    data = encode(picture(), "PNG")

    assert clean_image(data, limits=UploadLimits(max_bytes=len(data)))
    with pytest.raises(TooLargeError):
        clean_image(data, limits=UploadLimits(max_bytes=len(data) - 1))


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20_000, 20_000),  # Pillow's own DecompressionBombError territory
        (10_000, 10_000),  # Pillow's DecompressionBombWarning territory
        (7_000, 7_000),  # under Pillow's limits, over ours
        (13_000, 1),  # few pixels, too long a side
        (1, 12_001),
    ],
)
def test_pixel_floods_are_refused_from_the_header(monkeypatch, width, height) -> None:
    def no_decoding(self):
        raise AssertionError("pixels must not be decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    data = png_of_size(width, height)

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(ValidationError) as caught:
            clean_image(data)

    assert caught.value.code == "image_too_large"
    assert "图片尺寸过大" in caught.value.message
    assert seen == []


@pytest.mark.parametrize("pillow_limit", [1_000, 2_000])  # error, then warning
def test_pillow_bomb_checks_are_translated(monkeypatch, pillow_limit) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pillow_limit)
    data = encode(picture((50, 50)), "PNG")  # 2 500 pixels

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(ValidationError) as caught:
            clean_image(data)

    assert caught.value.code == "image_too_large"
    assert seen == []


def test_the_pixel_limits_are_inclusive() -> None:
    data = encode(picture((40, 25)), "PNG")

    assert clean_image(data, limits=UploadLimits(max_pixels=1000, max_side=40))
    for limits in (UploadLimits(max_pixels=999), UploadLimits(max_side=39)):
        with pytest.raises(ValidationError) as caught:
            clean_image(data, limits=limits)
        assert caught.value.code == "image_too_large"


# --- corrupt data ----------------------------------------------------------------


def noise(size: tuple[int, int]) -> Image.Image:
    length = size[0] * size[1] * 3
    return Image.frombytes("RGB", size, hashlib.shake_256(b"seed").digest(length))


@pytest.mark.parametrize(
    "data",
    [
        encode(noise((200, 200)), "JPEG")[:4000],
        encode(noise((200, 200)), "PNG")[:5000],
        encode(noise((64, 64)), "WEBP")[:300],
        b"\xff\xd8\xff" + b"garbage" * 50,
        b"\x89PNG\r\n\x1a\n" + b"garbage" * 50,
        b"RIFF\x00\x01\x00\x00WEBP" + b"garbage" * 50,
    ],
    ids=["truncated-jpeg", "truncated-png", "truncated-webp", "jpeg", "png", "webp"],
)
def test_corrupt_or_truncated_images(data: bytes) -> None:
    with pytest.raises(ValidationError) as caught:
        clean_image(data)

    assert caught.value.code == "corrupt_image"
    assert "损坏" in caught.value.message


# --- only the documented errors, whatever comes in -------------------------------

EXPECTED_CODES = {
    "too_large",
    "unsupported_media_type",
    "image_too_large",
    "corrupt_image",
}
SEEDS = [
    encode(picture((12, 8)), "JPEG", exif=gps_exif()),
    encode(picture((12, 8), "RGBA"), "PNG"),
    encode(picture((12, 8), "RGBA"), "WEBP", lossless=True),
]
SIGNATURES = [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBP"]


def check_only_documented_errors(data: bytes) -> None:
    try:
        clean = clean_image(data, limits=UploadLimits(max_bytes=4096))
    except GovCoreError as exc:
        assert isinstance(exc, ValidationError)
        assert exc.code in EXPECTED_CODES
    else:
        assert_no_metadata(clean)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=5000))
def test_arbitrary_bytes_raise_only_documented_errors(data: bytes) -> None:
    check_only_documented_errors(data)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SIGNATURES), st.binary(max_size=2000))
def test_arbitrary_bodies_behind_a_signature(signature: bytes, body: bytes) -> None:
    check_only_documented_errors(signature + body)


@settings(deadline=None, max_examples=300)
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    st.integers(0, 10_000),
)
def test_damaged_real_images(seed: bytes, flips, cut: int) -> None:
    data = bytearray(seed)
    for position, value in flips:
        data[position % len(data)] = value
    check_only_documented_errors(bytes(data[: max(cut, 3)]))
