"""The receipt printer driver over TCP, against a fake network printer.

The fake listens on a loopback port like a thermal printer on port 9100:
it records every byte and answers the paper-status query ``DLE EOT 4`` as
the test tells it (paper ok, near end, out, garbage, late or not at all). The
driver talks to it through python-escpos's real ``Network`` class.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from escpos.printer import Dummy, Network

from devices.printers.escpos_status import paper_status_from_byte, receipt_status
from devices.printers.escpos_ticket import EscposReceiptPrinter, ticket_bytes
from govcore.ports import (
    Align,
    Cut,
    DeviceState,
    Feed,
    QrCode,
    Rule,
    Text,
    Ticket,
)

PAPER_QUERY = b"\x10\x04\x04"  # DLE EOT 4
REPLIES = {"ok": b"\x12", "near-end": b"\x1e", "empty": b"\x72", "garbage": b"\xff"}


class FakeNetworkPrinter:
    """A thermal printer on 127.0.0.1:<port>, one connection at a time.

    ``mode`` is a key of :data:`REPLIES`, ``"silent"`` (never answers) or
    ``"late"`` (answers "empty" after ``late_by`` seconds).
    """

    late_by = 0.6

    def __init__(self) -> None:
        self.mode = "ok"
        self.received = bytearray()
        self.connections = 0
        self.closed = threading.Event()  # set whenever a client hangs up
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.1)
        self.port = self._server.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        self._server.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                self.connections += 1
                self._talk(conn)
            self.closed.set()

    def _talk(self, conn: socket.socket) -> None:
        conn.settimeout(0.1)
        scanned = 0
        while not self._stopping.is_set():
            try:
                data = conn.recv(4096)
            except TimeoutError:
                continue
            if not data:
                return
            self.received += data
            # A query may be split across two reads: rescan its length - 1.
            while (found := self.received.find(PAPER_QUERY, scanned)) != -1:
                scanned = found + len(PAPER_QUERY)
                self._answer(conn)
            scanned = max(scanned, len(self.received) - len(PAPER_QUERY) + 1)

    def _answer(self, conn: socket.socket) -> None:
        if self.mode == "silent":
            return
        if self.mode == "late":
            time.sleep(self.late_by)
            conn.sendall(REPLIES["empty"])
            return
        conn.sendall(REPLIES[self.mode])


@pytest.fixture
def fake() -> Iterator[FakeNetworkPrinter]:
    server = FakeNetworkPrinter()
    yield server
    server.stop()


@pytest.fixture
def network(fake: FakeNetworkPrinter) -> Iterator[Network]:
    printer = Network("127.0.0.1", port=fake.port, timeout=5)
    yield printer
    printer.close()


def make_ticket() -> Ticket:
    return Ticket(
        58,
        (
            Text("办件回执", align=Align.CENTER, double=True),
            Text("编号 BJ20261129000123"),
            Text("事项：个体工商户设立登记", bold=True),
            Rule(),
            QrCode("https://miaopi.example/v/BJ20261129000123"),
            Feed(2),
            Cut(),
        ),
    )


def test_ticket_bytes_arrive_intact(fake: FakeNetworkPrinter, network: Network) -> None:
    ticket = make_ticket()
    EscposReceiptPrinter(network).print_ticket(ticket)
    network.close()
    assert fake.closed.wait(5)

    sent = bytes(fake.received)
    assert sent == ticket_bytes(ticket)
    assert sent.startswith(b"\x1b@")  # ESC @
    assert "办件回执".encode("gb18030") in sent
    assert "个体工商户设立登记".encode("gb18030") in sent
    assert b"\x1d(k" in sent  # GS ( k: firmware QR code
    assert b"\x1dV" in sent  # GS V: cut


@pytest.mark.parametrize(
    ("mode", "state", "message"),
    [
        ("ok", DeviceState.READY, ""),
        ("near-end", DeviceState.WARNING, "小票纸即将用完"),
        ("empty", DeviceState.NEEDS_ATTENTION, "小票纸用完"),
        ("garbage", DeviceState.UNKNOWN, "小票打印机状态无法识别"),
    ],
)
def test_paper_status_over_the_network(
    fake: FakeNetworkPrinter,
    network: Network,
    mode: str,
    state: DeviceState,
    message: str,
) -> None:
    fake.mode = mode
    status = EscposReceiptPrinter(network).status()
    assert status.state is state
    assert status.message == message
    assert PAPER_QUERY in fake.received


def test_silent_printer_is_unknown_not_ready(
    fake: FakeNetworkPrinter, network: Network
) -> None:
    fake.mode = "silent"
    started = time.monotonic()
    status = receipt_status(network, timeout=0.3)
    assert time.monotonic() - started < 2
    assert status.state is DeviceState.UNKNOWN
    assert status.reasons == ("no-reply",)
    assert not status.usable
    assert network.device.gettimeout() == 5  # the printing timeout is back


def test_late_answer_is_not_taken_for_the_next_one(
    fake: FakeNetworkPrinter, network: Network
) -> None:
    fake.mode = "late"
    assert receipt_status(network, timeout=0.2).state is DeviceState.UNKNOWN
    time.sleep(fake.late_by + 0.3)  # the stale "paper out" byte has arrived
    fake.mode = "ok"
    assert receipt_status(network).state is DeviceState.READY


# python-escpos 3.1 drops the socket of a refused connect without closing it.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_printer_not_listening_is_offline() -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    printer = Network("127.0.0.1", port=port, timeout=1)
    status = receipt_status(printer)
    assert status.state is DeviceState.OFFLINE
    assert receipt_status(printer).state is DeviceState.OFFLINE  # tries again


def test_printer_without_a_status_channel_is_unknown() -> None:
    status = EscposReceiptPrinter(Dummy()).status()
    assert status.state is DeviceState.UNKNOWN


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        (0x12, DeviceState.READY),
        (0x16, DeviceState.WARNING),  # one near-end bit is enough
        (0x1E, DeviceState.WARNING),
        (0x32, DeviceState.NEEDS_ATTENTION),
        (0x72, DeviceState.NEEDS_ATTENTION),
        (0x7E, DeviceState.NEEDS_ATTENTION),  # out wins over near end
        (0x00, DeviceState.UNKNOWN),
        (0x93, DeviceState.UNKNOWN),
    ],
)
def test_answer_byte(answer: int, state: DeviceState) -> None:
    assert paper_status_from_byte(answer).state is state
