"""The terminal agent: reports what the devices see, does what the server asks.

One :meth:`Agent.step` sends a heartbeat with every device's state, notices a
card put on or taken off the reader, fetches commands and carries them out:
print a document on the A4 printer (following the job to its end), print a
receipt ticket, scan and send the pages. Events get their id when they happen
and wait in a queue until the server has them: after a lost connection the
same ids are sent again, and the server applies each once; an event the
server refuses (422: stale, malformed) is dropped, since sending it again
cannot help. A revoked terminal gets 401 and the agent stops.

In :meth:`Agent.run` each device has its own worker (:class:`Lanes`): commands
for one device run in order, commands for different devices side by side, so
a print stuck at the A4 printer (followed for up to ``job_timeout_s``) holds
neither the receipt nor a scan.

Nothing personal is kept on the terminal: a card's data goes to the server in
the event and is dropped from the queue once sent; PDFs are handed to the
printer and scanned pages to the server, from memory, and not stored.
"""

from __future__ import annotations

import base64
import io
import logging
import queue
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

from PIL import Image

from devices.agent.transport import AgentTransport, TransportError
from govcore.ports import (
    DeviceError,
    DocumentPrinter,
    IdCardReader,
    NoCardError,
    PhotoDecoder,
    PrintJobState,
    ReceiptPrinter,
    Scanner,
    ticket_from_json,
)

log = logging.getLogger(__name__)


@dataclass
class Devices:
    reader: IdCardReader | None = None
    a4_printer: DocumentPrinter | None = None
    receipt_printer: ReceiptPrinter | None = None
    scanner: Scanner | None = None
    photo_decoder: PhotoDecoder | None = None  # the vendor's WLT library

    def named(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


class TerminalRevoked(Exception):
    """The server refused the terminal's credentials: stop."""


#: The device each command kind needs (its lane); any other kind runs in "other".
LANE = {
    "print_document": "a4_printer",
    "print_receipt": "receipt_printer",
    "scan": "scanner",
}


class Lanes:
    """One worker thread per device lane, started by the lane's first command.

    ``run`` carries out one command; what it raises is logged, never lost
    into a dead thread, and the lane goes on with the next command.
    """

    def __init__(self, run: Callable[[dict[str, Any]], None]) -> None:
        self._run = run
        self._queues: dict[str, queue.Queue[dict[str, Any] | None]] = {}
        self._threads: list[threading.Thread] = []

    def submit(self, command: dict[str, Any]) -> None:
        lane = LANE.get(command["kind"], "other")
        if lane not in self._queues:
            self._queues[lane] = queue.Queue()
            worker = threading.Thread(
                target=self._work,
                args=(self._queues[lane],),
                name=f"agent-{lane}",
                daemon=True,
            )
            worker.start()
            self._threads.append(worker)
        self._queues[lane].put(command)

    def _work(self, commands: queue.Queue[dict[str, Any] | None]) -> None:
        while (command := commands.get()) is not None:
            try:
                self._run(command)
            except TerminalRevoked:
                return  # the card loop hears the 401 too and ends the run
            except Exception:
                log.exception("%s command failed", command["kind"])

    def close(self, timeout: float) -> None:
        """Let each lane finish what it was given, waiting up to ``timeout``."""
        for commands in self._queues.values():
            commands.put(None)
        deadline = time.monotonic() + timeout
        for worker in self._threads:
            worker.join(max(0.0, deadline - time.monotonic()))


class Agent:
    def __init__(
        self,
        transport: AgentTransport,
        devices: Devices,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        job_poll_s: float = 0.5,
        job_timeout_s: float = 120.0,
    ) -> None:
        self.transport = transport
        self.devices = devices
        self.clock = clock
        self.job_poll_s = job_poll_s
        self.job_timeout_s = job_timeout_s
        self.pending: deque[dict[str, Any]] = deque()
        self.card_on_reader = False
        self._sending = threading.Lock()

    # ------------------------------------------------------------ events

    def emit(self, kind: str, **data: Any) -> None:
        """Queue an event with its id and time; :meth:`flush` sends it."""
        self.pending.append(
            {
                "event_id": secrets.token_hex(16),
                "kind": kind,
                "sent_at": self.clock().isoformat(),
                "data": data,
            }
        )

    def flush(self) -> int:
        """Send queued events in order; stop at the first failure (kept for
        the next try). Return how many were sent."""
        with self._sending:  # the card loop and the command loop both flush
            return self._flush()

    def _flush(self) -> int:
        sent = 0
        while self.pending:
            try:
                self.transport.post_event(self.pending[0])
            except TransportError as exc:
                if exc.status == 401:
                    raise TerminalRevoked(str(exc)) from None
                if exc.status is not None and 400 <= exc.status < 500:
                    log.error(
                        "%s event refused (%s); dropped", self.pending[0]["kind"], exc
                    )
                    self.pending.popleft()
                    continue
                log.warning("events kept for later: %s", exc)
                break
            self.pending.popleft()
            sent += 1
        return sent

    # ------------------------------------------------------------ one cycle

    def step(self, wait: int = 0) -> None:
        self.emit("heartbeat", devices=self.device_states())
        self.watch_card()
        self.flush()
        try:
            commands = self.transport.get_commands(wait)
        except TransportError as exc:
            if exc.status == 401:
                raise TerminalRevoked(str(exc)) from None
            return
        for command in commands:
            self.execute(command)
        self.flush()

    def run(
        self,
        stop: threading.Event | None = None,
        *,
        card_poll_s: float = 0.3,
        heartbeat_s: float = 10.0,
        wait: int = 20,
    ) -> None:
        """Until the terminal is revoked or ``stop`` is set: watch the reader
        every ``card_poll_s`` (a card reaches the screen within a second),
        send a heartbeat every ``heartbeat_s``, and long-poll for commands in
        a second thread so a print never waits for the card loop."""
        stop = stop or threading.Event()
        done = threading.Event()  # this run is over: the command loop ends too
        lanes = Lanes(self._execute_and_report)
        worker = threading.Thread(
            target=self._command_loop, args=(stop, done, wait, lanes), daemon=True
        )
        worker.start()
        next_beat = 0.0
        try:
            while not stop.is_set():
                try:
                    if time.monotonic() >= next_beat:
                        self.emit("heartbeat", devices=self.device_states())
                        next_beat = time.monotonic() + heartbeat_s
                    self.watch_card()
                    self.flush()
                except TerminalRevoked as refused:
                    # Revoked, a rotated secret or another terminal's certificate.
                    log.error(
                        "the server refused this terminal (%s); agent stops", refused
                    )
                    return
                except Exception:  # one bad cycle must not stop the kiosk
                    log.exception("agent cycle failed")
                stop.wait(card_poll_s)
        finally:
            done.set()
            worker.join(timeout=wait + 15)  # let a long poll in flight finish
            lanes.close(timeout=5)  # a stuck print is reported by its lane

    def _command_loop(
        self, stop: threading.Event, done: threading.Event, wait: int, lanes: Lanes
    ) -> None:
        while not (stop.is_set() or done.is_set()):
            try:
                for command in self.transport.get_commands(wait):
                    lanes.submit(command)
            except TransportError:  # the server is away (or said 401: the
                done.wait(2)  # card loop hears it too and ends the run)
            except Exception:
                log.exception("commands not fetched")

    def _execute_and_report(self, command: dict[str, Any]) -> None:
        self.execute(command)
        self.flush()

    def device_states(self) -> dict[str, Any]:
        states = {}
        for name, device in self.devices.named().items():
            try:
                status = device.status()
                states[name] = {
                    "state": status.state.value,
                    "reasons": list(status.reasons),
                    "message": status.message,
                }
            except Exception as exc:  # a broken driver is a device state too
                states[name] = {"state": "offline", "message": type(exc).__name__}
        return states

    def watch_card(self) -> None:
        reader = self.devices.reader
        if reader is None:
            return
        try:
            present = reader.card_present()
        except DeviceError:
            present = False
        if present and not self.card_on_reader:
            # One read per card put on: a card that cannot be read is
            # reported once, and read again only once it is put on anew.
            self.card_on_reader = True
            try:
                card = reader.read_card()
            except NoCardError:
                self.card_on_reader = False
                return
            except DeviceError as exc:
                self.emit("device_state", devices={}, problem=exc.code)
                return
            fields = asdict(card)
            photo = self.card_photo(fields.pop("photo_wlt"))
            self.emit("card_inserted", card=_plain(fields), photo_jpeg=photo)
        elif not present and self.card_on_reader:
            self.card_on_reader = False
            self.emit("card_removed")

    def card_photo(self, wlt: bytes) -> str | None:
        """The card photo as base64 JPEG, when a decoder library is installed."""
        if self.devices.photo_decoder is None or not wlt:
            return None
        try:
            bitmap = self.devices.photo_decoder.decode(wlt)
            with Image.open(io.BytesIO(bitmap)) as image:
                out = io.BytesIO()
                image.convert("RGB").save(out, "JPEG", quality=90)
        except (DeviceError, OSError) as exc:
            log.warning("card photo not decoded: %s", getattr(exc, "code", exc))
            return None
        return base64.b64encode(out.getvalue()).decode("ascii")

    # ------------------------------------------------------------ commands

    def execute(self, command: dict[str, Any]) -> None:
        handler = {
            "print_document": self.print_document,
            "print_receipt": self.print_receipt,
            "scan": self.scan,
        }.get(command["kind"])
        if handler is None:  # known to the server, not (yet) to this agent
            self._failed(command, ["unsupported"], "终端不支持此指令")
        else:
            handler(command)

    def print_document(self, command: dict[str, Any]) -> None:
        printer = self.devices.a4_printer
        if printer is None or not printer.status().usable:
            self._failed(command, ["printer-unavailable"], "A4打印机不可用")
            return
        try:
            pdf = self.transport.fetch_document(command["payload"]["document"])
            job_id = printer.submit(pdf, title=f"doc-{command['id'][:8]}")
        except (TransportError, DeviceError) as exc:
            self._failed(command, [type(exc).__name__], "文书未能送至打印机")
            return
        deadline = time.monotonic() + self.job_timeout_s
        job = printer.job(job_id)
        while job.state in (PrintJobState.PENDING, PrintJobState.PRINTING):
            if time.monotonic() > deadline:
                self._failed(command, ["timeout"], "打印超时")
                return
            time.sleep(self.job_poll_s)
            job = printer.job(job_id)
        if job.state is PrintJobState.COMPLETED:
            self.emit("print_finished", command=command["id"])
        else:
            self._failed(command, list(job.reasons), job.message or "打印失败")

    def print_receipt(self, command: dict[str, Any]) -> None:
        printer = self.devices.receipt_printer
        if printer is None or not printer.status().usable:
            self._failed(command, ["printer-unavailable"], "小票打印机不可用")
            return
        try:
            data = self.transport.fetch_ticket(
                command["payload"]["document"], printer.width_mm
            )
            printer.print_ticket(ticket_from_json(data))
        except TransportError:
            self._failed(command, ["TransportError"], "小票内容未能取回")
        except ValueError:
            self._failed(command, ["bad_ticket"], "小票内容有误")
        except DeviceError as exc:
            self._failed(command, [exc.code], exc.message or "小票打印失败")
        else:
            self.emit("print_finished", command=command["id"])

    def scan(self, command: dict[str, Any]) -> None:
        scanner = self.devices.scanner
        if scanner is None:
            self._failed(command, ["scanner-unavailable"], "扫描仪不可用")
            return
        try:
            pages = scanner.scan()
            for page in pages:
                self.transport.post_scan_page(command["id"], page.jpeg)
        except DeviceError as exc:
            self._failed(command, [exc.code], exc.message or "扫描失败")
        except TransportError:
            self._failed(command, ["TransportError"], "扫描件未能送达")
        else:
            self.emit("scan_ready", command=command["id"], pages=len(pages))

    def _failed(self, command: dict[str, Any], reasons: list[str], message: str):
        kind = "scan_failed" if command["kind"] == "scan" else "print_failed"
        self.emit(kind, command=command["id"], reasons=reasons, message=message)


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()
    }
