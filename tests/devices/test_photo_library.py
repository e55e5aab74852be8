"""The card-photo decoder against a real shared library loaded by ctypes.

No vendor's WLT library can ship with the tests, so a stand-in with the same
entry point is compiled here with gcc: ``int unpack(wlt, bmp, flag)`` fills a
102 × 126 24-bit BMP whose pixels are derived from the WLT bytes, returns 1,
and refuses with 0 when ``flag`` is not 1 (as licence-checking vendor
libraries do).
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from devices.idcard.photo import BMP_SIZE, LibraryPhotoDecoder
from govcore.ports import DeviceError, DeviceState
from tests.components import require_tool
from webapp.devices import real_devices

SOURCE = r"""
#include <string.h>
#include <stdint.h>

static void le32(unsigned char *p, uint32_t v) {
    p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

int unpack(const unsigned char *wlt, unsigned char *bmp, int flag) {
    if (flag != 1) return 0;
    const int w = 102, h = 126, row = (w * 3 + 3) & ~3;
    memset(bmp, 0, 54 + row * h);
    bmp[0] = 'B'; bmp[1] = 'M';
    le32(bmp + 2, 54 + row * h); le32(bmp + 10, 54); le32(bmp + 14, 40);
    le32(bmp + 18, w); le32(bmp + 22, h);
    bmp[26] = 1; bmp[28] = 24; le32(bmp + 34, row * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *px = bmp + 54 + y * row + x * 3;
            px[0] = wlt[0]; px[1] = wlt[1]; px[2] = wlt[2];  /* B, G, R */
        }
    return 1;
}
"""


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    gcc = require_tool("gcc", "gcc")
    folder = tmp_path_factory.mktemp("wlt")
    (folder / "wlt.c").write_text(SOURCE)
    target = folder / "libwltstub.so"
    subprocess.run(
        [gcc, "-shared", "-fPIC", "-O2", "-o", str(target), str(folder / "wlt.c")],
        check=True,
    )
    return target


def test_the_library_decodes_a_photo_to_a_bitmap(library) -> None:
    wlt = bytes([30, 60, 200]) + bytes(1021)
    decoder = LibraryPhotoDecoder(str(library))
    assert decoder.status().state is DeviceState.READY
    bitmap = decoder.decode(wlt)
    assert len(bitmap) == BMP_SIZE
    with Image.open(io.BytesIO(bitmap)) as image:
        assert image.size == (102, 126)
        assert image.convert("RGB").getpixel((50, 60)) == (200, 60, 30)


def test_a_refusal_of_the_library_is_a_decode_failure(library) -> None:
    decoder = LibraryPhotoDecoder(str(library), flag=0)
    with pytest.raises(DeviceError) as raised:
        decoder.decode(bytes(1024))
    assert raised.value.code == "photo_decode_failed"


def test_a_missing_library_shows_in_the_device_state(tmp_path) -> None:
    status = LibraryPhotoDecoder(str(tmp_path / "missing.so")).status()
    assert status.state is DeviceState.OFFLINE
    assert status.reasons == ("no_photo_decoder",)


def test_the_configured_library_is_one_of_the_terminals_devices(library) -> None:
    devices = real_devices({"DEVICE_ID_PHOTO_LIBRARY": str(library)})
    assert devices.named().keys() == {"photo_decoder"}
    assert devices.photo_decoder.status().state is DeviceState.READY
