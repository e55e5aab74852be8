"""The SANE driver against libsane's ``test`` backend (a virtual scanner).

SANE is pointed at a private configuration directory: ``SANE_CONFIG_DIR``
holds a ``dll.conf`` that lists only ``test`` (plus a copy of the system
``test.conf`` when there is one), so ``/etc/sane.d`` is never changed.
libsane reads the variable in ``sane.init()``, which ``load_sane`` calls once
per process; the variable is therefore set before the first scanner here is
used. Without python-sane or libsane1 the tests skip (fail in CI).
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from devices.scanning import sane_scanner
from devices.scanning.pipeline import ScanLimits, pages_to_pdf
from devices.scanning.sane_scanner import SaneScanner
from govcore.ports import DeviceError, DeviceState, ScannedPage
from tests.components import require_tool, unavailable

COLOUR = {"test_picture": "Color pattern"}
ADF = "Automatic Document Feeder"
A4_POINTS = (595.28, 841.89)


@pytest.fixture(scope="module")
def sane_test_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The name of the ``test`` backend's first device, ready to open."""
    try:
        import sane  # noqa: F401
    except ImportError as exc:
        unavailable(
            f"python-sane is not importable ({exc}); it builds against the "
            "Debian package libsane-dev, the backends are in libsane1"
        )
    config = tmp_path_factory.mktemp("sane.d")
    (config / "dll.conf").write_text("test\n", encoding="ascii")
    if os.path.exists("/etc/sane.d/test.conf"):
        shutil.copy("/etc/sane.d/test.conf", config / "test.conf")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SANE_CONFIG_DIR", str(config))
        status = SaneScanner("test:0").status()
        if not status.usable:
            unavailable(
                "the SANE test backend does not answer (Debian package libsane1; "
                f"was sane.init() called before SANE_CONFIG_DIR was set?): "
                f"{status.message}"
            )
        yield "test:0"


def test_app_imports_without_sane() -> None:
    code = (
        "import sys; sys.modules['sane'] = None\n"
        "import devices.scanning as s\n"
        "status = s.SaneScanner('test:0').status()\n"
        "assert status.state.value == 'offline', status\n"
        "assert status.reasons == ('driver_missing',), status\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=_root())


def test_flatbed_scan_gives_one_clean_jpeg(sane_test_backend: str) -> None:
    scanner = SaneScanner(sane_test_backend, resolution=150, options=COLOUR)

    [page] = scanner.scan()

    assert page.dpi == 150
    with Image.open(io.BytesIO(page.jpeg)) as image:
        assert image.format == "JPEG"
        assert image.mode == "RGB"
        assert image.size == (page.width, page.height)
        assert "exif" not in image.info
        # The colour pattern has red, green and blue bands: really in colour.
        red, green, blue = (band.getextrema()[1] for band in image.split())
        assert min(red, green, blue) > 200
    # The backend's default area is 80 × 100 mm: about 472 × 590 px at 150 dpi.
    assert 400 < page.width < 520 and 500 < page.height < 650
    assert 10_000 < len(page.jpeg) < ScanLimits().max_page_bytes


def test_grey_scan_at_another_resolution(sane_test_backend: str) -> None:
    scanner = SaneScanner(sane_test_backend, resolution=100, mode="Gray")
    [page] = scanner.scan()
    assert page.dpi == 100
    assert 250 < page.width < 350


def test_feeder_scans_every_sheet(sane_test_backend: str) -> None:
    scanner = SaneScanner(sane_test_backend, resolution=75, source=ADF, options=COLOUR)
    pages = scanner.scan()
    # The test backend's feeder holds ten sheets.
    assert len(pages) == 10
    assert all(isinstance(page, ScannedPage) for page in pages)


def test_feeder_over_the_page_limit_is_too_large(sane_test_backend: str) -> None:
    scanner = SaneScanner(
        sane_test_backend,
        resolution=75,
        source=ADF,
        limits=ScanLimits(max_pages=3),
    )
    with pytest.raises(DeviceError) as excinfo:
        scanner.scan()
    assert excinfo.value.code == "too_large"


def test_scan_over_the_pixel_limit_is_too_large(sane_test_backend: str) -> None:
    scanner = SaneScanner(sane_test_backend, limits=ScanLimits(max_input_pixels=50_000))
    with pytest.raises(DeviceError) as excinfo:
        scanner.scan()
    assert excinfo.value.code == "too_large"


def test_unsupported_option_is_a_device_error(sane_test_backend: str) -> None:
    scanner = SaneScanner(sane_test_backend, options={"no_such_option": 1})
    with pytest.raises(DeviceError) as excinfo:
        scanner.scan()
    assert excinfo.value.code == "bad_option"


def test_scans_make_a_multipage_a4_pdf(sane_test_backend: str, tmp_path) -> None:
    scanner = SaneScanner(sane_test_backend, resolution=150, options=COLOUR)
    pages = scanner.scan() + scanner.scan() + scanner.scan()

    pdf = pages_to_pdf(pages)

    assert pdf.startswith(b"%PDF-")
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == 3
        for pdf_page in document.pages:
            box = [float(v) for v in pdf_page.mediabox]
            assert box[2:] == pytest.approx(A4_POINTS, abs=0.5)
            [image] = pdf_page.get_images().values()
            assert image.Filter == "/DCTDecode"  # the JPEG, not re-encoded
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf)
    pdfinfo = require_tool("pdfinfo", "poppler-utils")
    info = subprocess.run(
        [pdfinfo, str(path)], check=True, capture_output=True, text=True
    ).stdout
    assert "Pages:           3" in info
    assert "(A4)" in info


def test_unknown_device_is_offline(sane_test_backend: str) -> None:
    scanner = SaneScanner("nosuch:0")

    status = scanner.status()

    assert status.state is DeviceState.OFFLINE
    assert status.reasons == ("offline",)
    assert "扫描仪未连接" in status.message
    with pytest.raises(DeviceError) as excinfo:
        scanner.scan()
    assert excinfo.value.code == "offline"


def test_sane_is_initialised_once(sane_test_backend: str) -> None:
    first = sane_scanner.load_sane()
    assert sane_scanner.load_sane() is first


def _root() -> Path:
    return Path(__file__).resolve().parents[2]


def test_a_scan_leaves_sigpipe_ignored(sane_test_backend: str) -> None:
    """A backend that resets SIGPIPE would let a closed socket kill the server."""
    SaneScanner(sane_test_backend, resolution=75).scan()
    mask = next(
        line.split()[1]
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("SigIgn")
    )
    assert int(mask, 16) & (1 << (signal.SIGPIPE - 1))
