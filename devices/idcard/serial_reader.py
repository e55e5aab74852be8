"""ID card reader on a serial line: UART, USB-serial bridge or CDC-ACM.

115200 8N1 is the default of every known reader; give a stable path through a
udev rule (``SYMLINK+="idreader"``).
"""

from __future__ import annotations

import serial

from devices.idcard.protocol import ReaderOfflineError
from devices.idcard.reader import SamIdCardReader, Transport
from govcore.ports import DeviceError

__all__ = ["SerialIdCardReader", "SerialTransport"]


class SerialTransport(Transport):
    """A pyserial port, opened on first use and reopened after an I/O error."""

    def __init__(self, port: str, baudrate: int = 115200) -> None:
        self.port = port
        self.baudrate = baudrate
        self._serial: serial.Serial | None = None

    def open(self) -> None:
        if self._serial is not None:
            return
        try:
            self._serial = serial.Serial(
                self.port, self.baudrate, timeout=0.1, write_timeout=1.0
            )
        except (serial.SerialException, OSError):
            raise ReaderOfflineError(f"无法打开身份证读卡器串口 {self.port}") from None

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def discard_input(self) -> None:
        self._call(lambda port: port.reset_input_buffer())

    def send(self, frame: bytes) -> None:
        self._call(lambda port: port.write(frame))

    def receive(self, size: int, timeout: float) -> bytes:
        def read(port: serial.Serial) -> bytes:
            if port.timeout != timeout:
                port.timeout = timeout
            return port.read(size)

        return self._call(read)

    def _call(self, action):
        if self._serial is None:
            self.open()
        try:
            return action(self._serial)
        except (serial.SerialException, OSError):
            self.close()  # the device went away: reopen on the next call
            raise DeviceError("身份证读卡器通信中断", code="io") from None


class SerialIdCardReader(SamIdCardReader):
    """A SAM_V reader on ``port`` (``/dev/ttyUSB0``, ``/dev/idreader`` …).

    :param timeout: seconds to wait for a read reply (text + photo).
    :param command_timeout: seconds to wait for a short reply.
    """

    def __init__(
        self,
        port: str,
        baudrate: int = 115200,
        timeout: float = 3.0,
        *,
        command_timeout: float = 0.8,
        with_fingerprint: bool = False,
    ) -> None:
        super().__init__(
            SerialTransport(port, baudrate),
            command_timeout=command_timeout,
            read_timeout=timeout,
            with_fingerprint=with_fingerprint,
        )
