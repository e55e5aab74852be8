"""The A4 printer driver against a real cupsd with a fake printer backend.

The cupsd runs privately for this module (see ``cups_harness``); every test
gets a queue of its own. The first tests map IPP attributes without a server.
"""

from __future__ import annotations

import io
import itertools
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reportlab.pdfgen import canvas

from devices.printers.cups_printer import (
    CupsDocumentPrinter,
    printer_status,
    split_reason,
)
from govcore.ports import DeviceError, DeviceState, PrintJob, PrintJobState
from tests.components import require_tool, unavailable
from tests.devices.cups_harness import CupsServer, can_run_cupsd, wait_for

# ------------------------------------------------- attributes, no server


@pytest.mark.parametrize(
    ("state", "reasons", "expected", "message"),
    [
        (3, ["none"], DeviceState.READY, ""),
        (3, "none", DeviceState.READY, ""),
        (
            5,
            ["media-empty-error", "paused"],
            DeviceState.NEEDS_ATTENTION,
            "A4打印机缺纸",
        ),
        (3, ["media-needed"], DeviceState.NEEDS_ATTENTION, "A4打印机缺纸"),
        (5, ["media-jam-error", "paused"], DeviceState.NEEDS_ATTENTION, "A4打印机卡纸"),
        (3, ["toner-empty-error"], DeviceState.NEEDS_ATTENTION, "A4打印机墨粉用完"),
        (3, ["toner-low-report"], DeviceState.WARNING, "A4打印机墨粉不足"),
        (3, ["toner-low"], DeviceState.WARNING, "A4打印机墨粉不足"),
        (3, ["media-empty-warning"], DeviceState.WARNING, "A4打印机缺纸"),
        (3, ["offline-report"], DeviceState.OFFLINE, "A4打印机离线"),
        (5, ["paused"], DeviceState.OFFLINE, "A4打印机已暂停"),
        (3, ["fuser-over-temp-error"], DeviceState.NEEDS_ATTENTION, "A4打印机故障"),
    ],
)
def test_printer_attributes_map_to_a_device_state(
    state: int, reasons: Any, expected: DeviceState, message: str
) -> None:
    status = printer_status({"printer-state": state, "printer-state-reasons": reasons})
    assert status.state is expected
    assert status.message == message
    assert "none" not in status.reasons


def test_reason_without_severity_is_an_error() -> None:
    assert split_reason("media-jam").severity == "error"
    assert split_reason("toner-low-report").keyword == "toner-low"


def test_rejecting_queue_is_offline() -> None:
    status = printer_status(
        {
            "printer-state": 3,
            "printer-state-reasons": ["none"],
            "printer-is-accepting-jobs": False,
        }
    )
    assert status.state is DeviceState.OFFLINE


@pytest.mark.parametrize("title", ["110105194912310021", "证明 11010519491231002X"])
def test_title_with_an_id_number_is_refused_before_anything_is_written(
    title: str, tmp_path: Path
) -> None:
    def no_connection() -> Any:
        raise AssertionError("nothing may reach CUPS")

    printer = CupsDocumentPrinter("A4", connect=no_connection, spool_dir=str(tmp_path))
    with pytest.raises(ValueError):
        printer.submit(b"%PDF-1.4", title=title)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------- real cupsd


def require_cupsd() -> None:
    require_tool("cupsd", "cups")
    require_tool("lpadmin", "cups-client")
    reason = can_run_cupsd()
    if reason is not None:
        unavailable(reason)


@pytest.fixture(scope="module")
def cupsd() -> Iterator[CupsServer]:
    require_cupsd()
    server = CupsServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


_queue_numbers = itertools.count(1)


@pytest.fixture
def printer(cupsd: CupsServer, tmp_path: Path) -> CupsDocumentPrinter:
    """A printer on a fresh queue that prints normally."""
    queue = f"KioskA4_{next(_queue_numbers)}"
    cupsd.set_fault("ok")
    cupsd.add_queue(queue)
    (tmp_path / "spool").mkdir()
    return CupsDocumentPrinter(
        queue, server=str(cupsd.socket), spool_dir=str(tmp_path / "spool")
    )


def make_pdf(text: str = "ZM20261129-0001") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(100, 700, text)
    page.save()
    return buffer.getvalue()


def wait_job(
    printer: CupsDocumentPrinter, job_id: str, state: PrintJobState
) -> PrintJob:
    """Poll job ``job_id`` until it reaches ``state``."""
    seen: list[PrintJob] = []

    def reached() -> bool:
        seen.append(printer.job(job_id))
        return seen[-1].state is state

    wait_for(reached, 20, lambda: f"job {job_id} never {state}: last {seen[-1:]}")
    return seen[-1]


def test_pdf_reaches_the_printer_unchanged(
    cupsd: CupsServer, printer: CupsDocumentPrinter, tmp_path: Path
) -> None:
    pdf = make_pdf()
    job_id = printer.submit(pdf, title="证明 ZM20261129-0001")

    job = wait_job(printer, job_id, PrintJobState.COMPLETED)
    assert job.job_id == job_id
    assert cupsd.output(job_id).read_bytes() == pdf
    assert printer.status().state is DeviceState.READY
    assert list((tmp_path / "spool").iterdir()) == []  # the spool file is gone
    # cupsd's own copy (d<job>-001 in its RequestRoot) is gone too.
    wait_for(
        lambda: not list((cupsd.root / "spool").glob("d*")),
        10,
        lambda: f"cupsd kept {list((cupsd.root / 'spool').glob('d*'))}",
    )


def test_spool_file_is_private_while_cups_reads_it(
    cupsd: CupsServer, printer: CupsDocumentPrinter
) -> None:
    modes = []

    class Spy:
        def __init__(self) -> None:
            self.conn = cupsd.connection()

        def printFile(self, queue: str, path: str, *args: Any) -> int:  # noqa: N802
            modes.append(stat.S_IMODE(Path(path).stat().st_mode))
            return self.conn.printFile(queue, path, *args)

    spied = CupsDocumentPrinter(printer.queue, connect=Spy)
    job_id = spied.submit(make_pdf(), title="ZM20261129-0002")
    assert modes == [0o600]
    wait_job(printer, job_id, PrintJobState.COMPLETED)


def test_paper_out_fails_the_job_and_the_document_prints_after_resume(
    cupsd: CupsServer, printer: CupsDocumentPrinter
) -> None:
    pdf = make_pdf("paper out")
    cupsd.set_fault("media-empty")
    job_id = printer.submit(pdf, title="ZM20261129-0003")

    job = wait_job(printer, job_id, PrintJobState.FAILED)
    assert "media-empty" in job.reasons
    assert job.message == "A4打印机缺纸"
    status = printer.status()
    assert status.state is DeviceState.NEEDS_ATTENTION
    assert "media-empty" in status.reasons
    assert status.message == "A4打印机缺纸"

    # Staff load paper: the stale job must not print behind the citizen's back.
    assert printer.cancel_stopped_jobs() == [job_id]
    assert printer.job(job_id).message == "打印任务已取消"
    cupsd.set_fault("ok")
    printer.resume()
    again = printer.submit(pdf, title="ZM20261129-0003")

    wait_job(printer, again, PrintJobState.COMPLETED)
    assert cupsd.output(again).read_bytes() == pdf
    assert not cupsd.output(job_id).exists()
    assert printer.status().state is DeviceState.READY


def test_paper_jam_needs_attention(
    cupsd: CupsServer, printer: CupsDocumentPrinter
) -> None:
    cupsd.set_fault("jam")
    job_id = printer.submit(make_pdf(), title="ZM20261129-0004")

    job = wait_job(printer, job_id, PrintJobState.FAILED)
    assert "media-jam" in job.reasons
    status = printer.status()
    assert status.state is DeviceState.NEEDS_ATTENTION
    assert "media-jam" in status.reasons
    assert status.message == "A4打印机卡纸"
    assert printer.cancel_stopped_jobs() == [job_id]


def test_toner_low_warns_but_prints(
    cupsd: CupsServer, printer: CupsDocumentPrinter
) -> None:
    pdf = make_pdf()
    cupsd.set_fault("toner-low")
    job_id = printer.submit(pdf, title="ZM20261129-0005")

    wait_job(printer, job_id, PrintJobState.COMPLETED)
    assert cupsd.output(job_id).read_bytes() == pdf
    status = printer.status()
    assert status.state is DeviceState.WARNING
    assert status.usable
    assert "toner-low" in status.reasons


def test_paused_queue_is_offline_until_resumed(
    cupsd: CupsServer, printer: CupsDocumentPrinter
) -> None:
    cupsd.connection().disablePrinter(printer.queue)
    status = printer.status()
    assert status.state is DeviceState.OFFLINE
    assert "paused" in status.reasons
    assert printer.cancel_stopped_jobs() == []

    printer.resume()
    assert printer.status().state is DeviceState.READY


def test_unknown_queue_is_offline(cupsd: CupsServer) -> None:
    printer = CupsDocumentPrinter("NoSuchQueue", server=str(cupsd.socket))
    status = printer.status()
    assert status.state is DeviceState.OFFLINE
    assert status.reasons == ("printer-not-found",)


def test_unknown_job_is_a_device_error(printer: CupsDocumentPrinter) -> None:
    with pytest.raises(DeviceError) as excinfo:
        printer.job("987654")
    assert excinfo.value.code == "not_found"


def test_printer_is_offline_when_cupsd_is_not_running(tmp_path: Path) -> None:
    require_cupsd()
    server = CupsServer()
    try:
        server.start()
        server.add_queue("KioskA4")
        printer = CupsDocumentPrinter(
            "KioskA4", server=str(server.socket), spool_dir=str(tmp_path)
        )
        assert printer.status().state is DeviceState.READY
    finally:
        server.stop()
    assert not server.running

    status = printer.status()
    assert status.state is DeviceState.OFFLINE
    assert status.reasons == ("cups-unavailable",)
    with pytest.raises(DeviceError) as excinfo:
        printer.submit(make_pdf(), title="ZM20261129-0006")
    assert excinfo.value.code == "cups_unavailable"
    assert list(tmp_path.iterdir()) == []


def test_nothing_listening_on_a_tcp_server_address_is_offline() -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    printer = CupsDocumentPrinter("KioskA4", server=f"127.0.0.1:{port}")
    status = printer.status()
    assert status.state is DeviceState.OFFLINE
    assert status.reasons == ("cups-unavailable",)
