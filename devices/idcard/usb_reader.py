"""ID card reader on USB bulk endpoints (vendor class, no kernel driver).

The frames are the SAM_V frames of the serial readers, but endpoint use varies
by model (devices.md §1.1): some take the whole frame on one OUT endpoint and
answer on one IN endpoint; others (IDRUSB) want the 7-byte header on one OUT
endpoint and the body on another, and answer the header and the body on two
IN endpoints. Both are configured here. Needs pyusb, libusb-1.0 and a udev
rule giving the kiosk user access.
"""

from __future__ import annotations

from typing import Any

import usb.core
import usb.util

from devices.idcard.protocol import FRAME_HEADER_SIZE, ReaderOfflineError
from devices.idcard.reader import SamIdCardReader, Transport
from govcore.ports import DeviceError

__all__ = ["DEFAULT_PRODUCT_ID", "DEFAULT_VENDOR_ID", "UsbIdCardReader", "UsbTransport"]

DEFAULT_VENDOR_ID = 0x0400
DEFAULT_PRODUCT_ID = 0xC35A


class UsbTransport(Transport):
    """Bulk transfers through a pyusb device.

    :param device: a ``usb.core.Device`` (or anything with ``read``/``write``);
        when None, the first device with ``vendor_id``/``product_id`` is used.
    :param out_endpoint: where the command (or its header) goes.
    :param in_endpoint: where the reply (or its header) comes from.
    :param body_out_endpoint: when set, the command body after the 7-byte
        header goes here ("split header/body").
    :param body_in_endpoint: when set, reply bytes after the 7-byte header
        are read from here.
    :param read_size: bytes asked of one bulk read; at least the largest
        reply, so the device never overflows the buffer.
    """

    def __init__(
        self,
        device: Any = None,
        *,
        vendor_id: int = DEFAULT_VENDOR_ID,
        product_id: int = DEFAULT_PRODUCT_ID,
        out_endpoint: int = 0x02,
        in_endpoint: int = 0x81,
        body_out_endpoint: int | None = None,
        body_in_endpoint: int | None = None,
        read_size: int = 4096,
        write_timeout: float = 1.0,
    ) -> None:
        self.device = device
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.out_endpoint = out_endpoint
        self.in_endpoint = in_endpoint
        self.body_out_endpoint = body_out_endpoint
        self.body_in_endpoint = body_in_endpoint
        self.read_size = read_size
        self.write_timeout = write_timeout
        self._pending = b""
        self._received = 0  # reply bytes delivered since the last send
        self._owned = False  # found by open(): released by close()

    def open(self) -> None:
        if self.device is not None:
            return
        try:
            device = usb.core.find(idVendor=self.vendor_id, idProduct=self.product_id)
            if device is not None:
                device.set_configuration()
        except (usb.core.USBError, usb.core.NoBackendError):
            device = None
        if device is None:
            raise ReaderOfflineError(
                f"未找到USB身份证读卡器 {self.vendor_id:04x}:{self.product_id:04x}"
            )
        self.device = device
        self._owned = True

    def close(self) -> None:
        self._pending = b""
        if self._owned:
            usb.util.dispose_resources(self.device)
            self.device, self._owned = None, False

    def discard_input(self) -> None:
        self._pending = b""

    def send(self, frame: bytes) -> None:
        self._received = 0
        timeout_ms = int(self.write_timeout * 1000)
        try:
            if self.body_out_endpoint is None:
                self.device.write(self.out_endpoint, frame, timeout_ms)
            else:
                header, body = frame[:FRAME_HEADER_SIZE], frame[FRAME_HEADER_SIZE:]
                self.device.write(self.out_endpoint, header, timeout_ms)
                self.device.write(self.body_out_endpoint, body, timeout_ms)
        except usb.core.USBError:
            raise DeviceError("身份证读卡器通信中断", code="io") from None

    def receive(self, size: int, timeout: float) -> bytes:
        if not self._pending:
            self._pending = self._bulk_read(timeout)
        # Never hand header bytes and body bytes from one call when they come
        # from different endpoints: the header endpoint may carry nothing else.
        if self.body_in_endpoint is not None and self._received < FRAME_HEADER_SIZE:
            size = min(size, FRAME_HEADER_SIZE - self._received)
        chunk, self._pending = self._pending[:size], self._pending[size:]
        self._received += len(chunk)
        if self.body_in_endpoint is not None and self._received == FRAME_HEADER_SIZE:
            self._pending = b""  # whatever else the header packet held is not body
        return chunk

    def _bulk_read(self, timeout: float) -> bytes:
        endpoint = self.in_endpoint
        if self.body_in_endpoint is not None and self._received >= FRAME_HEADER_SIZE:
            endpoint = self.body_in_endpoint
        try:
            data = self.device.read(
                endpoint, self.read_size, max(1, int(timeout * 1000))
            )
        except usb.core.USBTimeoutError:
            return b""
        except usb.core.USBError:
            raise DeviceError("身份证读卡器通信中断", code="io") from None
        return bytes(data)


class UsbIdCardReader(SamIdCardReader):
    """A SAM_V reader on USB bulk endpoints; see :class:`UsbTransport`."""

    def __init__(
        self,
        device: Any = None,
        *,
        timeout: float = 3.0,
        command_timeout: float = 0.8,
        with_fingerprint: bool = False,
        **transport_options: Any,
    ) -> None:
        super().__init__(
            UsbTransport(device, **transport_options),
            command_timeout=command_timeout,
            read_timeout=timeout,
            with_fingerprint=with_fingerprint,
        )
