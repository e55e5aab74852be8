"""Flatbed and ADF scanners through SANE (python-sane, Debian ``libsane1``).

The device is opened, used and closed within each call: a kiosk scans a few
times an hour, and a handle kept open across hours goes stale when the
scanner sleeps or is unplugged. ``sane`` is imported on first use, so the
application imports (and runs with other drivers) where libsane is absent.

SANE reads its configuration at ``sane.init()`` from ``SANE_CONFIG_DIR``
(default ``/etc/sane.d``); the tests point it at a directory whose
``dll.conf`` lists only the ``test`` backend, so no system file is touched.
"""

from __future__ import annotations

import ctypes
import signal

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from devices.scanning.pipeline import ScanLimits, clean_page
from govcore.ports import DeviceError, DeviceState, DeviceStatus, ScannedPage, Scanner

__all__ = ["SaneScanner", "load_sane"]

ADF_SOURCES = ("adf", "automatic document feeder", "feeder", "duplex")

_init_lock = threading.Lock()
# libsane is not thread-safe: one operation on one device at a time.
_device_lock = threading.RLock()
_sane: ModuleType | None = None


def load_sane() -> ModuleType:
    """The ``sane`` module, initialised once per process.

    :raise DeviceError: code ``driver_missing`` if python-sane or libsane is
        not installed.
    """
    global _sane
    with _init_lock:
        if _sane is None:
            try:
                import sane
            except ImportError as exc:
                raise DeviceError(
                    "扫描仪驱动未安装（python-sane / libsane1 missing）",
                    code="driver_missing",
                ) from exc
            sane.init()
            _sane = sane
        return _sane


def _ignore_sigpipe_again() -> None:
    """Put back Python's SIGPIPE disposition (ignored) after a scan.

    SANE backends may reset SIGPIPE to its default while reading (the ``test``
    backend does, seen in /proc/self/status): a later write to a closed socket
    would then kill the whole server instead of raising ``BrokenPipeError``.
    ``signal.signal`` works only in the main thread and scans run in request
    threads, so the process-wide disposition is set through libc.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.signal(signal.SIGPIPE, ctypes.c_void_p(1))  # 1 == SIG_IGN


class SaneScanner(Scanner):
    """A scanner SANE knows by ``device_name`` (``scanimage -L``), e.g. ``test:0``.

    :param resolution: dpi requested from the scanner.
    :param mode: SANE scan mode, ``Color``, ``Gray`` or ``Lineart``.
    :param source: SANE source, e.g. ``Flatbed`` or ``Automatic Document
        Feeder``; None leaves the device default. An ADF source scans every
        sheet in the feeder.
    :param options: further SANE options by python-sane attribute name
        (``{"test_picture": "Color pattern"}``).
    :param find_sheet: look for the sheet in the scan (dark lid, small slips);
        most flatbeds have a white lid, where this finds nothing and is harmless.
    """

    def __init__(
        self,
        device_name: str,
        resolution: int = 200,
        mode: str = "Color",
        source: str | None = None,
        *,
        options: Mapping[str, Any] | None = None,
        limits: ScanLimits = ScanLimits(),
        find_sheet: bool = True,
    ) -> None:
        self.device_name = device_name
        self.resolution = resolution
        self.mode = mode
        self.source = source
        self.options = dict(options or {})
        self.limits = limits
        self.find_sheet = find_sheet

    @property
    def uses_feeder(self) -> bool:
        return self.source is not None and any(
            word in self.source.lower() for word in ADF_SOURCES
        )

    def scan(self) -> list[ScannedPage]:
        """Scan one page (flatbed) or every sheet in the feeder (ADF).

        :raise DeviceError: code ``offline`` if the scanner cannot be opened,
            ``no_paper`` if the feeder is empty, ``scan_failed`` if the scan
            breaks off, ``too_large`` if a page is over the limits.
        """
        with self._device() as device:
            images = self._feed(device) if self.uses_feeder else [device.scan()]
        return [
            clean_page(
                image,
                dpi=self.resolution,
                limits=self.limits,
                find_sheet=self.find_sheet,
            )
            for image in images
        ]

    def status(self) -> DeviceStatus:
        """READY if the scanner can be opened now, OFFLINE otherwise."""
        try:
            with self._device():
                pass
        except DeviceError as exc:
            return DeviceStatus(DeviceState.OFFLINE, (exc.code,), str(exc))
        return DeviceStatus(DeviceState.READY)

    def _feed(self, device: Any) -> list[Any]:
        images = []
        for image in device.multi_scan():
            images.append(image)
            if len(images) > self.limits.max_pages:
                raise DeviceError(
                    f"进纸器中页数过多：最多 {self.limits.max_pages} 页"
                    "（too many pages in the feeder）",
                    code="too_large",
                )
        if not images:
            raise DeviceError(
                "进纸器中没有纸张，请放入材料后重试（feeder empty）", code="no_paper"
            )
        return images

    @contextmanager
    def _device(self) -> Iterator[Any]:
        sane = load_sane()
        with _device_lock:
            try:
                device = sane.open(self.device_name)
            except sane._sane.error as exc:
                raise DeviceError(
                    "扫描仪未连接或无法打开，请联系工作人员"
                    f"（cannot open {self.device_name}: {exc}）",
                    code="offline",
                ) from exc
            try:
                self._configure(device, sane._sane.error)
                yield device
            except sane._sane.error as exc:
                raise _scan_failed(exc) from exc
            finally:
                device.close()
                _ignore_sigpipe_again()

    def _configure(self, device: Any, sane_error: type[Exception]) -> None:
        # Mode and resolution are skipped on devices without them (some
        # sheet-fed models); what the operator configured explicitly is not.
        settings = {
            name: value
            for name, value in (("mode", self.mode), ("resolution", self.resolution))
            if name in device.opt
        }
        if self.source is not None:
            settings["source"] = self.source
        settings.update(self.options)
        for name, value in settings.items():
            try:
                if name not in device.opt:
                    raise AttributeError("no such option")
                setattr(device, name, value)
            except (AttributeError, sane_error) as exc:
                raise DeviceError(
                    f"扫描仪设置有误，请联系工作人员（option {name}={value!r}: {exc}）",
                    code="bad_option",
                ) from exc


def _scan_failed(exc: Exception) -> DeviceError:
    return DeviceError(
        f"扫描失败，请检查纸张后重试（scan failed: {exc}）", code="scan_failed"
    )
