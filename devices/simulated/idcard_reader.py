"""An in-memory ID card reader for the standalone demo and for app tests.

It implements :class:`~govcore.ports.IdCardReader` directly, with no bytes
involved; staff (or a test) place and lift cards and inject faults.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from govcore.ports import (
    DeviceError,
    DeviceState,
    DeviceStatus,
    IdCard,
    IdCardReader,
    NoCardError,
)

__all__ = ["FAULT_MESSAGES", "SimulatedIdCardReader"]

#: Chinese messages of the faults that can be injected, by error code.
FAULT_MESSAGES = {
    "select_failed": "选卡失败，请重新放置证件",
    "read_failed": "读卡失败，请重新放置证件",
    "timeout": "身份证读卡器无应答",
    "checksum": "读卡器数据帧校验和错误",
    "card_data_invalid": "证件号码校验失败",
    "unsupported_card_type": "暂不支持此类证件",
}


class SimulatedIdCardReader(IdCardReader):
    """A reader whose card and faults are set by :meth:`insert`, :meth:`remove`
    and :meth:`fail_next` / :attr:`offline`.

    :attr:`reads` counts successful reads.
    """

    def __init__(self, card: IdCard | None = None) -> None:
        self._card = card
        self._fault: str | None = None
        self.offline = False
        self.reads = 0
        self._lock = threading.Lock()

    def insert(self, card: IdCard) -> None:
        with self._lock:
            self._card = card

    def remove(self) -> None:
        with self._lock:
            self._card = None

    def fail_next(self, code: str) -> None:
        """Make the next :meth:`read_card` raise ``DeviceError(code=code)``
        (:class:`NoCardError` for ``no_card``); any code is accepted, the
        known ones (:data:`FAULT_MESSAGES`) with their own message."""
        self._fault = code

    def read_card(self) -> IdCard:
        with self._lock:
            self._check_online()
            if self._card is None:
                raise NoCardError("读卡器上没有证件")
            fault, self._fault = self._fault, None
            if fault == NoCardError.code:
                raise NoCardError("读卡器上没有证件")
            if fault is not None:
                message = FAULT_MESSAGES.get(fault, "身份证读卡器故障（模拟）")
                raise DeviceError(message, code=fault)
            self.reads += 1
            return replace(self._card)

    def card_present(self) -> bool:
        with self._lock:
            self._check_online()
            return self._card is not None

    def status(self) -> DeviceStatus:
        if self.offline:
            return DeviceStatus(DeviceState.OFFLINE, ("offline",), "身份证读卡器未连接")
        return DeviceStatus(DeviceState.READY, (), "身份证读卡器就绪（模拟）")

    def _check_online(self) -> None:
        if self.offline:
            raise DeviceError("身份证读卡器未连接", code="offline")
