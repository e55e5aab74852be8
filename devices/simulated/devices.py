"""Simulated A4 printer, receipt printer, scanner and a file-controlled ID card
reader: every port of the kiosk without hardware (the standalone default).

They behave like the real drivers where it matters to the kiosk: the A4
printer fails a job while paper is out or jammed, the receipt printer refuses
to print on an empty roll, states come back as :class:`DeviceStatus`.
"""

from __future__ import annotations

import math
import os
import secrets
import time
from datetime import date
from pathlib import Path

import cv2
import numpy as np

from devices.scanning.pipeline import clean_page
from devices.simulated.control import SimControl
from devices.simulated.idcard_reader import SimulatedIdCardReader
from govcore.ports import (
    CardType,
    DeviceError,
    DeviceState,
    DeviceStatus,
    DocumentPrinter,
    IdCard,
    IdCardReader,
    PrintJob,
    PrintJobState,
    ReceiptPrinter,
    ScannedPage,
    Scanner,
    Ticket,
)

A4_MESSAGES = {
    "media-empty": (DeviceState.NEEDS_ATTENTION, "A4打印机缺纸（模拟）"),
    "media-jam": (DeviceState.NEEDS_ATTENTION, "A4打印机卡纸（模拟）"),
    "toner-low": (DeviceState.WARNING, "A4打印机墨粉不足（模拟）"),
    "offline": (DeviceState.OFFLINE, "A4打印机未连接（模拟）"),
}
SPOOL_KEEP_S = 600  # printed demo PDFs are removed after ten minutes


class ControlledIdCardReader(IdCardReader):
    """The in-memory simulated reader, fed from the shared control file."""

    def __init__(self, control: SimControl) -> None:
        self.control = control
        self.reader = SimulatedIdCardReader()

    def _sync(self) -> None:
        state = self.control.read()
        card = state["card"]
        if card is None:
            self.reader.remove()
        else:
            self.reader.insert(card_from_json(card))
        if state["reader_fault"]:
            self.reader.fail_next(state["reader_fault"])
            self.control.update(reader_fault=None)

    def read_card(self) -> IdCard:
        self._sync()
        return self.reader.read_card()

    def card_present(self) -> bool:
        self._sync()
        return self.reader.card_present()

    def status(self) -> DeviceStatus:
        return self.reader.status()


def card_from_json(fields: dict) -> IdCard:
    dates = ("birth_date", "valid_from", "valid_to")
    values = {
        k: (date.fromisoformat(v) if k in dates and v else v) for k, v in fields.items()
    }
    values["card_type"] = CardType(values["card_type"])
    return IdCard(**values)


class SimulatedA4Printer(DocumentPrinter):
    """Writes each job's PDF to ``spool`` (the demo's paper)."""

    def __init__(self, control: SimControl, spool: Path) -> None:
        self.control = control
        self.spool = Path(spool)
        self.jobs: dict[str, PrintJob] = {}

    def submit(self, pdf: bytes, *, title: str) -> str:
        if not pdf.startswith(b"%PDF"):
            raise DeviceError("不是 PDF 文件", code="bad_document")
        self._sweep()
        job_id = secrets.token_hex(8)
        fault = self.control.read()["a4_fault"]
        state, message = A4_MESSAGES.get(fault, (DeviceState.READY, ""))
        if state in (DeviceState.NEEDS_ATTENTION, DeviceState.OFFLINE):
            self.jobs[job_id] = PrintJob(
                job_id, PrintJobState.FAILED, (fault,), message
            )
            return job_id
        self.spool.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.spool / f"{job_id}.pdf"
        path.write_bytes(pdf)
        os.chmod(path, 0o600)
        self.jobs[job_id] = PrintJob(job_id, PrintJobState.COMPLETED)
        return job_id

    def job(self, job_id: str) -> PrintJob:
        if job_id not in self.jobs:
            raise DeviceError("打印任务不存在", code="unknown_job")
        return self.jobs[job_id]

    def status(self) -> DeviceStatus:
        fault = self.control.read()["a4_fault"]
        if fault in A4_MESSAGES:
            state, message = A4_MESSAGES[fault]
            return DeviceStatus(state, (fault,), message)
        return DeviceStatus(DeviceState.READY, (), "A4打印机就绪（模拟）")

    def _sweep(self) -> None:
        cutoff = time.time() - SPOOL_KEEP_S
        for old in self.spool.glob("*.pdf"):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)


class SimulatedReceiptPrinter(ReceiptPrinter):
    """Keeps the text of the last tickets (as the paper would show them)."""

    def __init__(self, control: SimControl, width_mm: int = 58) -> None:
        self.control = control
        self.width_mm = width_mm
        self.printed: list[str] = []

    def print_ticket(self, ticket: Ticket) -> None:
        status = self.status()
        if not status.usable:
            raise DeviceError(status.message, code="paper_empty")
        self.printed = [*self.printed[-9:], "\n".join(ticket.preview())]

    def status(self) -> DeviceStatus:
        paper = self.control.read()["receipt_paper"]
        if paper == "empty":
            return DeviceStatus(
                DeviceState.NEEDS_ATTENTION, ("paper-empty",), "小票纸用完（模拟）"
            )
        if paper == "near_end":
            return DeviceStatus(
                DeviceState.WARNING, ("paper-near-end",), "小票纸将尽（模拟）"
            )
        return DeviceStatus(DeviceState.READY, (), "小票打印机就绪（模拟）")


class SimulatedScanner(Scanner):
    """Scans the sample chosen in the control file: ``form`` (a flat A4 form,
    as a flatbed sees it), ``photo`` (the same form photographed crooked on a
    dark desk, as a 高拍仪 sees it, cleaned by the real pipeline) or ``none``
    (nothing on the glass)."""

    def __init__(self, control: SimControl, dpi: int = 150) -> None:
        self.control = control
        self.dpi = dpi

    def scan(self) -> list[ScannedPage]:
        state = self.control.read()
        if state["scanner_offline"]:
            raise DeviceError("扫描仪未连接（模拟）", code="offline")
        if state["scan_sample"] == "none":
            raise DeviceError("没有检测到文件，请把材料放好后重试", code="no_page")
        form = sample_form(self.dpi)
        if state["scan_sample"] == "photo":
            return [clean_page(photographed(form), dpi=self.dpi)]
        return [clean_page(form, dpi=self.dpi, find_sheet=False, straighten=False)]

    def status(self) -> DeviceStatus:
        if self.control.read()["scanner_offline"]:
            return DeviceStatus(
                DeviceState.OFFLINE, ("offline",), "扫描仪未连接（模拟）"
            )
        return DeviceStatus(DeviceState.READY, (), "扫描仪就绪（模拟）")


def sample_form(dpi: int) -> np.ndarray:
    """A white A4 sheet with a heading bar, a photo box and lines of "text"."""
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    page = np.full((height, width, 3), 250, np.uint8)
    cv2.rectangle(page, (dpi, dpi // 2), (width - dpi, dpi // 2 + 40), (0, 0, 0), -1)
    cv2.rectangle(page, (dpi, dpi), (2 * dpi, 2 * dpi), (60, 60, 60), 3)
    for row in range(14):
        y = 5 * dpi // 2 + row * dpi // 2
        cv2.rectangle(page, (dpi, y), (width - dpi, y + 8), (70, 70, 70), -1)
    return page


def photographed(page: np.ndarray, angle: float = 6.0) -> np.ndarray:
    """``page`` on a dark desk, turned by ``angle`` degrees and keystoned."""
    height, width = page.shape[:2]
    frame_w, frame_h = int(width * 1.5), int(height * 1.2)
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], float)
    corners = (corners - [width / 2, height / 2]) * 0.8
    corners[:2, 0] *= 0.95  # the far edge looks shorter
    turn = math.radians(angle)
    rotation = np.array(
        [[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]]
    )
    target = corners @ rotation.T + [frame_w / 2, frame_h / 2]
    source = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]],
        np.float32,
    )
    matrix = cv2.getPerspectiveTransform(source, target.astype(np.float32))
    desk = np.full((frame_h, frame_w, 3), 40, np.uint8)
    return cv2.warpPerspective(
        page, matrix, (frame_w, frame_h), dst=desk, borderMode=cv2.BORDER_TRANSPARENT
    )
