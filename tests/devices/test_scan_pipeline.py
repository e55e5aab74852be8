"""The scan clean-up and the document camera, on synthetic pictures."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from devices.scanning.camera import (
    DocumentCamera,
    FileSource,
    SyntheticSource,
    V4L2Source,
)
from devices.scanning.pipeline import (
    ScanLimits,
    clean_page,
    deskew,
    encode_jpeg,
    estimate_skew,
    find_page,
    pages_to_pdf,
)
from govcore.ports import DeviceError, DeviceState
from tests.devices.scan_images import (
    PAGE_SIZE,
    bar_tilt,
    border_brightness,
    decode,
    photographed_sheet,
    rotated_sheet,
    sheet,
    square_is_top_left,
)

PAGE_RATIO = PAGE_SIZE[0] / PAGE_SIZE[1]


@pytest.mark.parametrize("angle", [7.0, -12.0, 0.0])
def test_photographed_sheet_comes_out_upright_and_cropped(angle: float) -> None:
    frame = photographed_sheet(angle)
    assert abs(bar_tilt(frame)) > 0 or angle == 0

    page = clean_page(frame, dpi=200)

    pixels = decode(page.jpeg)
    assert pixels.shape[:2] == (page.height, page.width)
    assert abs(bar_tilt(pixels)) < 1.0
    assert square_is_top_left(pixels)
    # Only paper is left: no dark desk along the edges, and the sheet's shape.
    assert border_brightness(pixels) > 200
    assert page.width / page.height == pytest.approx(PAGE_RATIO, rel=0.05)
    # The sheet covered about 3/4 of the frame's height.
    assert 0.6 * 1200 < page.height < 0.9 * 1200


def test_find_page_returns_the_corners_in_order() -> None:
    corners = find_page(photographed_sheet(7.0))
    assert corners is not None
    top_left, top_right, bottom_right, bottom_left = corners
    assert top_left[0] < top_right[0] and bottom_left[0] < bottom_right[0]
    assert top_left[1] < bottom_left[1] and top_right[1] < bottom_right[1]


def test_find_page_finds_nothing_on_a_plain_page() -> None:
    assert find_page(sheet()) is None


@pytest.mark.parametrize("angle", [4.0, -6.0, 0.6])
def test_crooked_flatbed_scan_is_deskewed(angle: float) -> None:
    scan = rotated_sheet(angle)
    assert estimate_skew(scan) == pytest.approx(angle, abs=0.2)

    pixels = decode(clean_page(scan, dpi=300).jpeg)

    assert abs(bar_tilt(pixels)) < 1.0
    assert square_is_top_left(pixels)


def test_steep_angles_are_measured_but_left_alone() -> None:
    scan = rotated_sheet(30.0)
    assert estimate_skew(scan) == pytest.approx(30.0, abs=0.2)
    assert deskew(scan) is scan


def test_dark_pages_are_not_trimmed() -> None:
    dark = np.full((400, 300, 3), 30, np.uint8)
    page = clean_page(dark, dpi=200)
    assert (page.width, page.height) == (300, 400)


def test_large_pages_are_scaled_down_with_their_dpi() -> None:
    scan = np.full((3000, 4000, 3), 250, np.uint8)
    page = clean_page(scan, dpi=600, limits=ScanLimits(max_pixels=1_000_000))
    assert page.width * page.height <= 1_000_000
    assert page.width / page.height == pytest.approx(4 / 3, rel=0.01)
    assert page.dpi == round(600 * page.width / 4000)


def test_jpeg_has_no_metadata() -> None:
    jpeg = clean_page(sheet(), dpi=200).jpeg
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG"
        assert "exif" not in image.info and "icc_profile" not in image.info
    assert b"Exif" not in jpeg[:512]


def test_too_many_input_pixels_is_too_large() -> None:
    with pytest.raises(DeviceError) as excinfo:
        clean_page(sheet(), dpi=200, limits=ScanLimits(max_input_pixels=100_000))
    assert excinfo.value.code == "too_large"
    assert "过大" in str(excinfo.value)


def test_jpeg_over_the_byte_limit_is_too_large() -> None:
    noise = np.random.default_rng(1).integers(0, 256, (600, 800, 3), np.uint8)
    with pytest.raises(DeviceError) as excinfo:
        encode_jpeg(noise, max_bytes=20_000)
    assert excinfo.value.code == "too_large"


def test_jpeg_quality_is_lowered_before_refusing() -> None:
    noise = np.random.default_rng(2).integers(0, 256, (300, 400, 3), np.uint8)
    full = encode_jpeg(noise)
    reduced = encode_jpeg(noise, max_bytes=len(full) - 1)
    assert len(reduced) < len(full)


def test_pages_to_pdf_limits() -> None:
    page = clean_page(sheet(), dpi=200)
    with pytest.raises(DeviceError) as excinfo:
        pages_to_pdf([page] * 3, limits=ScanLimits(max_pages=2))
    assert excinfo.value.code == "too_large"
    with pytest.raises(DeviceError) as excinfo:
        pages_to_pdf([page], limits=ScanLimits(max_pdf_bytes=1000))
    assert excinfo.value.code == "too_large"
    with pytest.raises(DeviceError) as excinfo:
        pages_to_pdf([])
    assert excinfo.value.code == "no_pages"


# ---------------------------------------------------------------- camera


def test_document_camera_scans_a_synthetic_frame() -> None:
    source = SyntheticSource([photographed_sheet(5.0)])
    camera = DocumentCamera(source, dpi=180)

    assert camera.status().state is DeviceState.READY
    [page] = camera.scan()

    assert source.reads == 1
    assert page.dpi == 180
    pixels = decode(page.jpeg)
    assert abs(bar_tilt(pixels)) < 1.0
    assert border_brightness(pixels) > 200


def test_synthetic_source_takes_pil_images_and_cycles() -> None:
    first = Image.fromarray(sheet())
    second = photographed_sheet(3.0)
    source = SyntheticSource([first, second])
    assert source.read().shape == sheet().shape
    assert source.read().shape == second.shape
    assert source.read().shape == sheet().shape
    assert source.reads == 3


def test_camera_without_frames_is_offline() -> None:
    camera = DocumentCamera(SyntheticSource([]))
    status = camera.status()
    assert status.state is DeviceState.OFFLINE
    assert status.message == "高拍仪未连接，请联系工作人员"
    with pytest.raises(DeviceError) as excinfo:
        camera.scan()
    assert excinfo.value.code == "offline"


def test_file_source_plays_an_image_file(tmp_path) -> None:
    path = tmp_path / "desk.png"
    Image.fromarray(photographed_sheet(-4.0)).save(path)
    camera = DocumentCamera(FileSource(path))
    assert camera.status().usable
    [page] = camera.scan()
    assert abs(bar_tilt(decode(page.jpeg))) < 1.0


def test_file_source_missing_file_is_offline(tmp_path) -> None:
    camera = DocumentCamera(FileSource(tmp_path / "none.png"))
    assert camera.status().state is DeviceState.OFFLINE
    with pytest.raises(DeviceError) as excinfo:
        camera.scan()
    assert excinfo.value.code == "offline"


def test_v4l2_source_without_a_camera_is_offline(tmp_path) -> None:
    source = V4L2Source(str(tmp_path / "video9"), 640, 480, warmup_frames=0)
    assert not source.available()
    assert DocumentCamera(source).status().state is DeviceState.OFFLINE
    with pytest.raises(DeviceError) as excinfo:
        source.read()
    assert excinfo.value.code == "offline"
