"""Document cameras (高拍仪): a UVC camera looking down at the desk.

The capture sits behind :class:`FrameSource`, so the same
:class:`DocumentCamera` runs on a real camera (:class:`V4L2Source`), on an
image file (:class:`FileSource`) and on frames made in memory
(:class:`SyntheticSource`, for tests and the simulated kiosk). Every source
hands out RGB ``uint8`` arrays.
"""

from __future__ import annotations

import abc
import os
import threading
from collections.abc import Iterable
from itertools import cycle

import cv2
import numpy as np
from PIL import Image

from devices.scanning.pipeline import ScanLimits, clean_page
from govcore.ports import DeviceError, DeviceState, DeviceStatus, ScannedPage, Scanner

__all__ = [
    "DocumentCamera",
    "FileSource",
    "FrameSource",
    "SyntheticSource",
    "V4L2Source",
]


class FrameSource(abc.ABC):
    """Where a document camera gets its pictures from."""

    @abc.abstractmethod
    def read(self) -> np.ndarray:
        """One frame now, as an RGB ``uint8`` array.

        :raise DeviceError: code ``offline`` if there is no camera or no frame.
        """

    @abc.abstractmethod
    def available(self) -> bool:
        """Whether :meth:`read` can be expected to work (cheap, no capture)."""


class V4L2Source(FrameSource):
    """A UVC camera through Video4Linux, opened for each capture.

    :param device: ``/dev/videoN`` or its index.
    :param width, height: the capture mode (5 MP cameras: 2592×1944); the
        camera picks the nearest it has.
    :param warmup_frames: frames thrown away while auto-exposure and focus
        settle.
    """

    def __init__(
        self,
        device: str | int = "/dev/video0",
        width: int = 2592,
        height: int = 1944,
        *,
        warmup_frames: int = 8,
    ) -> None:
        self.device = device
        self.width = width
        self.height = height
        self.warmup_frames = warmup_frames
        # One capture at a time: a second open of the node fails with EBUSY.
        self._lock = threading.Lock()

    def available(self) -> bool:
        if isinstance(self.device, int):
            return os.path.exists(f"/dev/video{self.device}")
        return os.path.exists(self.device)

    def read(self) -> np.ndarray:
        with self._lock:
            capture = cv2.VideoCapture(self.device, cv2.CAP_V4L2)
            try:
                if not capture.isOpened():
                    raise _offline(f"cannot open {self.device}")
                capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
                capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
                capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
                for _ in range(self.warmup_frames):
                    capture.grab()
                ok, frame = capture.read()
            finally:
                capture.release()
        if not ok or frame is None:
            raise _offline(f"no frame from {self.device}")
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


class FileSource(FrameSource):
    """An image file played back as the camera picture (demos, tests)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)

    def available(self) -> bool:
        return os.path.isfile(self.path)

    def read(self) -> np.ndarray:
        try:
            with Image.open(self.path) as image:
                return np.asarray(image.convert("RGB"), dtype=np.uint8)
        except (OSError, Image.DecompressionBombError) as exc:
            raise _offline(f"cannot read {self.path}: {exc}") from exc


class SyntheticSource(FrameSource):
    """Frames made in memory, handed out in turn (and again from the start).

    ``reads`` counts the frames taken, for tests that check a capture happened.
    """

    def __init__(self, frames: Iterable[np.ndarray | Image.Image]) -> None:
        self.frames = [_as_rgb(frame) for frame in frames]
        self._next = cycle(self.frames)
        self.reads = 0

    def available(self) -> bool:
        return bool(self.frames)

    def read(self) -> np.ndarray:
        if not self.frames:
            raise _offline("no synthetic frames")
        self.reads += 1
        return next(self._next)


class DocumentCamera(Scanner):
    """A 高拍仪: captures one frame and cleans it like a scan.

    :param dpi: the resolution of the sheet in the frame (a 5 MP camera
        framing A4 gives about 200 dpi); reported with each page.
    """

    def __init__(
        self,
        source: FrameSource,
        *,
        dpi: int = 200,
        limits: ScanLimits = ScanLimits(),
    ) -> None:
        self.source = source
        self.dpi = dpi
        self.limits = limits

    def scan(self) -> list[ScannedPage]:
        """Capture the sheet under the camera as one page.

        :raise DeviceError: code ``offline`` without a frame, ``too_large``
            over the limits.
        """
        frame = self.source.read()
        return [clean_page(frame, dpi=self.dpi, limits=self.limits)]

    def status(self) -> DeviceStatus:
        """READY when the source is there; OFFLINE otherwise."""
        if self.source.available():
            return DeviceStatus(DeviceState.READY)
        return DeviceStatus(
            DeviceState.OFFLINE, ("offline",), "高拍仪未连接，请联系工作人员"
        )


def _as_rgb(frame: np.ndarray | Image.Image) -> np.ndarray:
    if isinstance(frame, Image.Image):
        return np.asarray(frame.convert("RGB"), dtype=np.uint8)
    return frame


def _offline(detail: str) -> DeviceError:
    return DeviceError(f"高拍仪无法取图，请联系工作人员（{detail}）", code="offline")
