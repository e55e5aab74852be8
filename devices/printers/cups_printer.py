"""The kiosk's A4 printer through CUPS (pycups).

A document goes to a CUPS queue as a PDF; CUPS and the queue's driver do the
rest. What the kiosk needs back comes from IPP attributes: ``job-state`` for a
job and ``printer-state`` / ``printer-state-reasons`` for the printer. Reasons
are keywords (``media-empty``, ``media-jam``, ``toner-low`` …) that may carry
a severity suffix (``-error``, ``-warning``, ``-report``); a keyword without
one counts as an error (RFC 8011 §5.4.12).

When a printer runs out of paper mid job, CUPS stops the queue (reason
``paused``, state 5) and puts the job back to *pending* with the reason
``printer-stopped``: it would print as soon as someone re-enabled the queue,
long after the citizen has gone. :meth:`CupsDocumentPrinter.job` therefore
reports such a job as failed, and staff clear the queue with
:meth:`~CupsDocumentPrinter.cancel_stopped_jobs` before
:meth:`~CupsDocumentPrinter.resume`.

A connection is opened for each call: CUPS connections are cheap (a local
socket) and not safe to share between threads, and a fresh one survives a
restart of cupsd.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import cups

from govcore.ports import (
    DeviceError,
    DeviceState,
    DeviceStatus,
    DocumentPrinter,
    PrintJob,
    PrintJobState,
)

__all__ = [
    "A4_MEDIA",
    "CupsDocumentPrinter",
    "printer_status",
    "split_reason",
]

A4_MEDIA = "iso_a4_210x297mm"

JOB_PENDING, JOB_HELD, JOB_PROCESSING = (
    cups.IPP_JOB_PENDING,
    cups.IPP_JOB_HELD,
    cups.IPP_JOB_PROCESSING,
)
JOB_CANCELED, JOB_COMPLETED = cups.IPP_JOB_CANCELED, cups.IPP_JOB_COMPLETED
PRINTER_STOPPED = cups.IPP_PRINTER_STOPPED

# Fifteen digits or more in a row look like an ID number (18, or 15 on old
# cards) or a bank card: a title never carries either.
_ID_LIKE = re.compile(r"[0-9]{15,}")
_SEVERITIES = ("-error", "-warning", "-report")

# Reasons a person must act on, with the message staff see. Checked in order:
# the first one present names the problem.
_ATTENTION = {
    "media-empty": "A4打印机缺纸",
    "media-needed": "A4打印机缺纸",
    "media-jam": "A4打印机卡纸",
    "toner-empty": "A4打印机墨粉用完",
    "marker-supply-empty": "A4打印机墨粉用完",
    "door-open": "A4打印机盖板未关",
    "cover-open": "A4打印机盖板未关",
    "input-tray-missing": "A4打印机纸盒未装好",
    "output-area-full": "A4打印机出纸口已满",
}
# Reasons that only warn: the printer still prints.
_LOW = {
    "toner-low": "A4打印机墨粉不足",
    "marker-supply-low": "A4打印机墨粉不足",
    "media-low": "A4打印机纸张不足",
}
_IGNORED = {"none", "paused", "offline"}  # offline-report splits to "offline"

_PRINTER_ATTRIBUTES = [
    "printer-state",
    "printer-state-reasons",
    "printer-is-accepting-jobs",
]
_JOB_ATTRIBUTES = ["job-state", "job-state-reasons"]


@dataclass(frozen=True)
class Reason:
    """One ``printer-state-reasons`` keyword split from its severity."""

    keyword: str
    severity: str  # "error", "warning" or "report"


def split_reason(value: str) -> Reason:
    """``media-empty-error`` → ``Reason("media-empty", "error")``; a keyword
    without a suffix is an error."""
    for suffix in _SEVERITIES:
        if value.endswith(suffix):
            return Reason(value[: -len(suffix)], suffix[1:])
    return Reason(value, "error")


def printer_status(attributes: dict[str, Any]) -> DeviceStatus:
    """The :class:`DeviceStatus` that IPP printer ``attributes`` describe.

    Most urgent first: the printer says it is offline; something a person must
    fix (paper, jam, toner, cover); the queue is stopped or refuses jobs;
    supplies run low; ready.
    """
    reasons = [
        split_reason(r) for r in _as_list(attributes.get("printer-state-reasons"))
    ]
    keywords = tuple(dict.fromkeys(r.keyword for r in reasons if r.keyword != "none"))
    if any(r.keyword == "offline" for r in reasons):
        return DeviceStatus(DeviceState.OFFLINE, keywords, "A4打印机离线")
    problem = _first_problem(reasons)
    if problem is not None:
        return DeviceStatus(DeviceState.NEEDS_ATTENTION, keywords, problem)
    stopped = attributes.get("printer-state") == PRINTER_STOPPED
    if stopped or attributes.get("printer-is-accepting-jobs") is False:
        return DeviceStatus(DeviceState.OFFLINE, keywords, "A4打印机已暂停")
    warning = _first_warning(reasons)
    if warning is not None:
        return DeviceStatus(DeviceState.WARNING, keywords, warning)
    return DeviceStatus(DeviceState.READY, keywords)


def _first_problem(reasons: list[Reason]) -> str | None:
    """The message of the most important error that needs a person, if any."""
    errors = {r.keyword for r in reasons if r.severity == "error"}
    for keyword, message in _ATTENTION.items():
        if keyword in errors:
            return message
    if errors - set(_LOW) - _IGNORED:
        return "A4打印机故障"
    return None


def _first_warning(reasons: list[Reason]) -> str | None:
    """The message of the first reason that only warns: supplies running low,
    or a problem the printer reports as a warning (another tray has paper)."""
    for reason in reasons:
        if reason.keyword in _LOW:
            return _LOW[reason.keyword]
        if reason.keyword in _ATTENTION and reason.severity != "error":
            return _ATTENTION[reason.keyword]
    return None


def _as_list(value: Any) -> list[str]:
    # pycups gives a one-valued attribute as a plain value, a multi-valued one
    # as a list.
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def check_title(title: str) -> None:
    """Refuse a title that may hold an ID number.

    :raise ValueError: ``title`` holds a run of 15 or more digits.
    """
    if _ID_LIKE.search(title):
        raise ValueError("print job title must not contain an ID number")


class CupsDocumentPrinter(DocumentPrinter):
    """The A4 printer port over one CUPS queue.

    :param queue: the CUPS queue (printer) name, e.g. ``"KioskA4"``.
    :param server: the cupsd to talk to: ``"host"``, ``"host:port"`` or the
        path of its local socket; ``None`` is the client default (``CUPS_SERVER``,
        ``client.conf``, then ``localhost:631``).
    :param connect: makes a ``cups.Connection``-like object; replaces
        ``server`` (tests pass a fake).
    :param options: IPP job options sent with every document.
    :param spool_dir: where the PDF is written for the moment it takes to hand
        it to CUPS (default: the system temp dir).
    """

    def __init__(
        self,
        queue: str,
        *,
        server: str | None = None,
        connect: Callable[[], Any] | None = None,
        options: dict[str, str] | None = None,
        spool_dir: str | None = None,
    ) -> None:
        self.queue = queue
        self.server = server
        self._connect = connect or _connector(server)
        self.options = {"media": A4_MEDIA} if options is None else dict(options)
        self.spool_dir = spool_dir

    # -------------------------------------------------------------- port

    def submit(self, pdf: bytes, *, title: str) -> str:
        """Queue ``pdf``; return the CUPS job id.

        ``title`` shows in queue listings and on banner pages, so it must hold
        no personal data: pass a document number such as ``"证明 ZM2026…"``,
        never a name or an ID number.

        The PDF is written to a private temporary file (mode 0600) and removed
        as soon as CUPS has taken its copy, whether or not that succeeded.

        :raise ValueError: ``title`` holds a run of 15 or more digits.
        :raise DeviceError: CUPS cannot be reached or refused the job.
        """
        check_title(title)
        fd, path = tempfile.mkstemp(
            prefix="miaopi-print-", suffix=".pdf", dir=self.spool_dir
        )
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(pdf)
            job_id = self._call(
                lambda conn: conn.printFile(self.queue, path, title, self.options)
            )
        finally:
            os.unlink(path)
        return str(job_id)

    def job(self, job_id: str) -> PrintJob:
        """Where job ``job_id`` stands.

        Pending or held → PENDING; processing → PRINTING; completed →
        COMPLETED; stopped, aborted or cancelled → FAILED. A pending job whose
        queue has stopped (``printer-stopped``) is FAILED too, with the
        printer's reasons, because it will not print until staff act.

        :raise DeviceError: CUPS cannot be reached or does not know the job.
        """
        number = _job_number(job_id)
        attributes = self._call(
            lambda conn: conn.getJobAttributes(
                number, requested_attributes=_JOB_ATTRIBUTES
            )
        )
        state = attributes.get("job-state")
        reasons = tuple(_as_list(attributes.get("job-state-reasons")))
        if state in (JOB_PENDING, JOB_HELD) and "printer-stopped" not in reasons:
            return PrintJob(job_id, PrintJobState.PENDING, reasons)
        if state == JOB_PROCESSING:
            return PrintJob(job_id, PrintJobState.PRINTING, reasons)
        if state == JOB_COMPLETED:
            return PrintJob(job_id, PrintJobState.COMPLETED, reasons)
        return self._failed(job_id, state, reasons)

    def status(self) -> DeviceStatus:
        """The printer's state from ``printer-state`` and its reasons; OFFLINE
        when cupsd does not answer or does not know the queue."""
        try:
            attributes = self._call(
                lambda conn: conn.getPrinterAttributes(
                    self.queue, requested_attributes=_PRINTER_ATTRIBUTES
                )
            )
        except DeviceError as exc:
            if exc.code == "not_found":
                return DeviceStatus(
                    DeviceState.OFFLINE, ("printer-not-found",), "找不到A4打印队列"
                )
            return DeviceStatus(
                DeviceState.OFFLINE, (exc.code.replace("_", "-"),), str(exc)
            )
        return printer_status(attributes)

    # ------------------------------------------------------------ staff

    def cancel_stopped_jobs(self) -> list[str]:
        """Cancel the unfinished jobs of this queue if the queue has stopped,
        so that they do not print when it is resumed; return their ids.

        A queue that is not stopped is left alone (its jobs will print).

        :raise DeviceError: CUPS cannot be reached.
        """

        def cancel(conn: Any) -> list[str]:
            attributes = conn.getPrinterAttributes(
                self.queue, requested_attributes=["printer-state"]
            )
            if attributes.get("printer-state") != PRINTER_STOPPED:
                return []
            # pycups keys the answer by job-id, so that must be asked for.
            jobs = conn.getJobs(
                which_jobs="not-completed",
                requested_attributes=["job-id", "job-printer-uri"],
            )
            cancelled = []
            for number in sorted(_jobs_of(self.queue, jobs)):
                conn.cancelJob(number)
                cancelled.append(str(number))
            return cancelled

        return self._call(cancel)

    def resume(self) -> None:
        """Re-enable a stopped queue (``cupsenable``) and let it accept jobs.

        Reasons the backend set stay until the printer clears them, usually
        with the next job it prints.

        :raise DeviceError: CUPS cannot be reached.
        """

        def enable(conn: Any) -> None:
            conn.enablePrinter(self.queue)
            conn.acceptJobs(self.queue)

        self._call(enable)

    # ---------------------------------------------------------- helpers

    def _failed(
        self, job_id: str, state: int | None, reasons: tuple[str, ...]
    ) -> PrintJob:
        if state == JOB_CANCELED:
            return PrintJob(job_id, PrintJobState.FAILED, reasons, "打印任务已取消")
        printer = self.status()
        message = printer.message if printer.state is not DeviceState.READY else ""
        all_reasons = tuple(dict.fromkeys(reasons + printer.reasons))
        return PrintJob(
            job_id, PrintJobState.FAILED, all_reasons, message or "打印失败"
        )

    def _call(self, action: Callable[[Any], Any]) -> Any:
        """Run ``action`` on a fresh connection, turning CUPS failures into
        :class:`DeviceError`."""
        try:
            return action(self._connect())
        except RuntimeError as exc:  # pycups: "failed to connect to server"
            raise DeviceError("无法连接打印服务", code="cups_unavailable") from exc
        except cups.IPPError as exc:
            raise _ipp_error(exc) from exc


def _connector(server: str | None) -> Callable[[], Any]:
    if server is None:
        return cups.Connection
    host, _, port = server.rpartition(":")
    if not server.startswith("/") and host and port.isdigit():
        return lambda: cups.Connection(host=host, port=int(port))
    return lambda: cups.Connection(host=server)


def _ipp_error(exc: Exception) -> DeviceError:
    status = exc.args[0] if exc.args else None
    if status == cups.IPP_NOT_FOUND:
        return DeviceError("找不到打印队列或打印任务", code="not_found")
    if status == cups.IPP_SERVICE_UNAVAILABLE:
        return DeviceError("打印服务不可用", code="cups_unavailable")
    return DeviceError(f"打印服务拒绝了请求（IPP {status}）", code="cups_error")


def _job_number(job_id: str) -> int:
    if not job_id.isdigit():
        raise DeviceError(f"无效的打印任务编号：{job_id!r}", code="not_found")
    return int(job_id)


def _jobs_of(queue: str, jobs: dict[int, dict[str, Any]]) -> Iterable[int]:
    """The ids in ``jobs`` (a ``getJobs`` answer) sent to ``queue``."""
    for number, attributes in jobs.items():
        uri = str(attributes.get("job-printer-uri", ""))
        # Queue names are case-insensitive in CUPS.
        if uri.rsplit("/", 1)[-1].lower() == queue.lower():
            yield number
