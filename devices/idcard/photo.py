"""Decoding the card photo (WLT, 1024 bytes) through a vendor library.

No open decoder exists: the WLT format is proprietary. Reader vendors ship a
shared library (``libwlt2bmp.so``, ``libwltu.so`` …) whose usual entry point
takes the WLT buffer and fills a 102 × 126 px, 24-bit BMP buffer::

    int unpack(const unsigned char *wlt, unsigned char *bmp, int flag);

It returns 1 on success and writes 38 862 bytes (54-byte header, rows padded
to four bytes). The name of the function, the ``flag`` argument (some
libraries take a licence or "save" switch there) and the success value differ
between vendors, so all three are parameters.
"""

from __future__ import annotations

import ctypes
import threading

from govcore.ports import DeviceError, DeviceState, DeviceStatus, PhotoDecoder

__all__ = ["BMP_SIZE", "WLT_SIZE", "LibraryPhotoDecoder", "NoPhotoDecoder"]

WLT_SIZE = 1024
BMP_SIZE = 54 + 102 * 126 * 3 + 126 * 2  # 38 862


class NoPhotoDecoder(PhotoDecoder):
    """For kiosks without a vendor library: the photo stays raw WLT bytes."""

    def decode(self, wlt: bytes) -> bytes:
        raise DeviceError("未配置身份证照片解码库", code="no_photo_decoder")


class LibraryPhotoDecoder(PhotoDecoder):
    """A vendor ``.so`` called through ctypes, loaded on first use.

    :param path: the library file.
    :param function: the exported decoding function.
    :param flag: the third argument.
    :param success: the return value that means success.
    """

    def __init__(
        self,
        path: str,
        *,
        function: str = "unpack",
        flag: int = 1,
        success: int = 1,
        output_size: int = BMP_SIZE,
    ) -> None:
        self.path = path
        self.function = function
        self.flag = flag
        self.success = success
        self.output_size = output_size
        self._decode = None
        self._lock = threading.Lock()  # vendor libraries are rarely reentrant

    def _load(self):
        if self._decode is None:
            try:
                library = ctypes.CDLL(self.path)
                decode = getattr(library, self.function)
            except (OSError, AttributeError):
                raise DeviceError(
                    "无法加载身份证照片解码库", code="no_photo_decoder"
                ) from None
            decode.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
            decode.restype = ctypes.c_int
            self._decode = decode
        return self._decode

    def status(self) -> DeviceStatus:
        try:
            with self._lock:
                self._load()
        except DeviceError as error:
            return DeviceStatus(DeviceState.OFFLINE, (error.code,), error.message)
        return DeviceStatus(DeviceState.READY, (), "身份证照片解码库已加载")

    def decode(self, wlt: bytes) -> bytes:
        if len(wlt) != WLT_SIZE:
            raise DeviceError("身份证照片数据长度错误", code="photo_decode_failed")
        with self._lock:
            decode = self._load()
            output = ctypes.create_string_buffer(self.output_size)
            result = decode(wlt, output, self.flag)
        image = output.raw
        if result != self.success or image[:2] != b"BM":
            raise DeviceError("身份证照片解码失败", code="photo_decode_failed")
        return image
