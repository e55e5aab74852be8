"""The terminal agent end to end: the real agent and its HTTP transport against
the server on a loopback port, including a lost connection, a resend, a
failed print, a receipt, a scan, refused events and revocation.

Devices are small fakes of the ports here: this is about the protocol; the
drivers are tested against their real components in tests/devices/.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.serving import make_server

from devices.agent import Agent, Devices, HttpTransport, TransportError
from devices.agent.agent import TerminalRevoked
from govcore import terminals
from govcore.certificates.models import ResultDocument
from govcore.clock import utcnow
from govcore.db import db
from govcore.applications.models import Application, Status
from govcore.audit.log import AuditEvent
from govcore.certificates import delivery
from govcore.errors import ConflictError
from govcore.ports import (
    CardType,
    DeviceError,
    DeviceState,
    DeviceStatus,
    DocumentPrinter,
    IdCard,
    IdCardReader,
    NoCardError,
    PhotoDecoder,
    PrintJob,
    PrintJobState,
    ReceiptPrinter,
    ScannedPage,
    Scanner,
    Ticket,
)
from govcore.terminals import Terminal, TerminalCommand, TerminalEvent
from tests.api.conftest import create_draft, dev_login

pytestmark = pytest.mark.served  # the agent talks to a threaded server

CARD = IdCard(
    card_type=CardType.RESIDENT,
    name="陈伯",
    id_number="440507194401150010",
    sex="M",
    birth_date=date(1944, 1, 15),
    valid_from=date(2016, 3, 1),
    valid_to=None,
    ethnicity="汉",
    address="汕头市龙湖区金霞街道长平路86号",
)


class Reader(IdCardReader):
    def __init__(self) -> None:
        self.card: IdCard | None = None

    def read_card(self) -> IdCard:
        if self.card is None:
            raise NoCardError("请放置身份证")
        return self.card

    def card_present(self) -> bool:
        return self.card is not None

    def status(self) -> DeviceStatus:
        return DeviceStatus(DeviceState.READY)


class Printer(DocumentPrinter):
    def __init__(self) -> None:
        self.printed: list[bytes] = []
        self.jam = False
        self.stuck = False  # the job never leaves "printing"

    def submit(self, pdf: bytes, *, title: str) -> str:
        assert CARD.name not in title and CARD.id_number not in title
        self.printed.append(pdf)
        return str(len(self.printed))

    def job(self, job_id: str) -> PrintJob:
        if self.jam:
            return PrintJob(job_id, PrintJobState.FAILED, ("media-jam",), "卡纸")
        if self.stuck:
            return PrintJob(job_id, PrintJobState.PRINTING)
        return PrintJob(job_id, PrintJobState.COMPLETED)

    def status(self) -> DeviceStatus:
        return DeviceStatus(DeviceState.READY)


class Receipts(ReceiptPrinter):
    width_mm = 58

    def __init__(self) -> None:
        self.tickets: list[Ticket] = []
        self.empty = False

    def print_ticket(self, ticket: Ticket) -> None:
        if self.empty:
            raise DeviceError("小票纸用完", code="paper_empty")
        self.tickets.append(ticket)

    def status(self) -> DeviceStatus:
        return DeviceStatus(DeviceState.READY)


def jpeg(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), (shade, shade, shade)).save(out, "JPEG")
    return out.getvalue()


class PageScanner(Scanner):
    def __init__(self) -> None:
        self.pages = [jpeg(200), jpeg(120)]
        self.fault: str | None = None

    def scan(self) -> list[ScannedPage]:
        if self.fault:
            raise DeviceError("没有检测到文件", code=self.fault)
        return [ScannedPage(page, 300, 400, 150) for page in self.pages]

    def status(self) -> DeviceStatus:
        return DeviceStatus(DeviceState.READY)


class Flaky(HttpTransport):
    """Loses the connection for the next ``drops`` event posts."""

    drops = 0

    def post_event(self, event):  # type: ignore[no-untyped-def]
        if self.drops:
            self.drops -= 1
            raise TransportError("connection reset")
        return super().post_event(event)


@pytest.fixture
def served(world) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, world, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/api/v1/terminal"
    server.shutdown()


@pytest.fixture
def agent(world, served) -> Agent:
    with world.app_context():
        _, secret = terminals.register(
            "LH-JX-001", name="金霞1号机", location="金霞街道", now=utcnow(), actor="t"
        )
        db.session.commit()
    transport = Flaky(served, "LH-JX-001", secret, timeout=5)
    devices = Devices(
        reader=Reader(),
        a4_printer=Printer(),
        receipt_printer=Receipts(),
        scanner=PageScanner(),
    )
    return Agent(transport, devices, job_poll_s=0.01)


def kinds(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(sa.select(TerminalEvent.kind).order_by(TerminalEvent.id))
        )


def test_heartbeat_card_and_removal_reach_the_server(world, agent) -> None:
    agent.step()
    agent.devices.reader.card = CARD
    agent.step()
    agent.devices.reader.card = None
    agent.step()
    assert kinds(world) == [
        "heartbeat",
        "heartbeat",
        "card_inserted",
        "heartbeat",
        "card_removed",
    ]
    with world.app_context():
        terminal = db.session.scalars(sa.select(Terminal)).one()
        assert terminals.online(terminal, utcnow())
        assert set(terminal.devices) == {
            "reader",
            "a4_printer",
            "receipt_printer",
            "scanner",
        }


def test_events_survive_a_lost_connection_and_count_once(world, agent) -> None:
    agent.transport.drops = 2
    agent.devices.reader.card = CARD
    agent.step()  # heartbeat and card event queued, the connection drops
    assert len(agent.pending) == 2
    agent.step()  # the second drop: still kept
    agent.step()
    assert not agent.pending
    assert kinds(world).count("card_inserted") == 1


def test_a_resent_event_is_applied_once(world, agent) -> None:
    agent.emit("card_removed")
    event = dict(agent.pending[0])
    agent.flush()
    assert agent.transport.post_event(event)["accepted"] is False
    assert kinds(world) == ["card_removed"]


def _approved_document(world, client) -> str:
    auth = dev_login(client, "陈伯")
    draft = create_draft(client, auth, "aged-allowance")
    client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        headers={**auth, "Idempotency-Key": "agent"},
    )
    with world.app_context():
        return db.session.scalars(sa.select(ResultDocument.public_id)).one()


def _request(world, request, document_id: str | None = None) -> str:
    """Queue a command for the one terminal; its id."""
    with world.app_context():
        terminal = db.session.scalars(sa.select(Terminal)).one()
        if document_id is None:
            command = request(terminal, now=utcnow())
        else:
            document = db.session.scalars(
                sa.select(ResultDocument).filter_by(public_id=document_id)
            ).one()
            command = request(terminal, document, now=utcnow())
        db.session.commit()
        return command.public_id


def _print(terminal, document, now):
    return terminals.request_print(terminal, document, actor="applicant", now=now)


def _command(world, command_id: str) -> TerminalCommand:
    with world.app_context():
        return db.session.scalars(
            sa.select(TerminalCommand).filter_by(public_id=command_id)
        ).one()


def _printed(world) -> tuple[int, Status, list[str]]:
    """The document's print count, its application's status, print audits."""
    with world.app_context():
        document = db.session.scalars(sa.select(ResultDocument)).one()
        application = db.session.get(Application, document.application_id)
        audits = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.action.like("document_%"))
        ).all()
        return document.prints, application.status, list(audits)


def test_the_agent_prints_a_commanded_document(world, client, agent) -> None:
    document_id = _approved_document(world, client)
    command_id = _request(world, _print, document_id)
    assert _printed(world) == (0, Status.APPROVED, [])  # asked, not yet printed
    agent.step()
    (pdf,) = agent.devices.a4_printer.printed
    assert pdf.startswith(b"%PDF")
    assert _command(world, command_id).status == "done"
    assert _printed(world) == (1, Status.CERTIFICATE_ISSUED, ["document_printed"])


def test_a_jam_reports_the_print_failed_and_the_document_stays(
    world, client, agent
) -> None:
    document_id = _approved_document(world, client)
    agent.devices.a4_printer.jam = True
    command_id = _request(world, _print, document_id)
    agent.step()
    command = _command(world, command_id)
    assert command.status == "failed"
    assert command.result["reasons"] == ["media-jam"]
    assert _printed(world) == (0, Status.APPROVED, [])  # nothing came out
    # Cleared: the same document prints again, counted once.
    agent.devices.a4_printer.jam = False
    again = _request(world, _print, document_id)
    agent.step()
    assert _command(world, again).status == "done"
    first, second = agent.devices.a4_printer.printed
    assert first == second
    assert _printed(world) == (1, Status.CERTIFICATE_ISSUED, ["document_printed"])


def test_prints_on_their_way_count_against_the_reprint_limit(world, client) -> None:
    _approved_document(world, client)
    with world.app_context():
        terminal, _ = terminals.register(
            "LH-JX-009", name="t", location="金霞街道", now=utcnow(), actor="t"
        )
        document = db.session.scalars(sa.select(ResultDocument)).one()
        for _ in range(1 + delivery.REPRINT_LIMIT):
            _print(terminal, document, utcnow())
        with pytest.raises(ConflictError) as raised:
            _print(terminal, document, utcnow())
        assert raised.value.code == "reprint_limit"


def test_the_agent_prints_the_receipt_ticket(world, client, agent) -> None:
    document_id = _approved_document(world, client)
    command_id = _request(world, terminals.request_receipt, document_id)
    agent.step()
    assert _command(world, command_id).status == "done"
    (ticket,) = agent.devices.receipt_printer.tickets
    assert ticket.width_mm == 58
    text = "\n".join(ticket.preview())
    with world.app_context():
        document = db.session.scalars(sa.select(ResultDocument)).one()
        assert document.number in text and document.fields["reference_no"] in text
        assert f"[QR {document.fields['verify_url']}]" in text
    assert "陈伯" not in text and CARD.id_number not in text
    assert _printed(world)[0] == 0  # a ticket is not a print of the document


def test_a_receipt_printer_out_of_paper_fails_the_command(world, client, agent) -> None:
    document_id = _approved_document(world, client)
    agent.devices.receipt_printer.empty = True
    command_id = _request(world, terminals.request_receipt, document_id)
    agent.step()
    command = _command(world, command_id)
    assert command.status == "failed" and command.result["reasons"] == ["paper_empty"]


def test_a_scan_sends_its_pages_cleaned(world, agent) -> None:
    command_id = _request(world, terminals.request_scan)
    agent.step()
    command = _command(world, command_id)
    assert command.status == "done" and len(command.result["pages"]) == 2
    store = world.extensions["miaopi.filestore"]
    with world.app_context():
        terminal = db.session.scalars(sa.select(Terminal)).one()
        pages = terminals.scanned_pages(terminal, command_id, store=store)
        shades = [Image.open(io.BytesIO(page)).getpixel((10, 10))[0] for page in pages]
        assert [abs(s - t) < 8 for s, t in zip(shades, (200, 120))] == [True, True]
        keys = list(command.result["pages"])
        terminals.discard_scan(terminal, command_id, store=store)
        db.session.commit()
    assert not any(store.exists(key) for key in keys)


def test_a_failed_scan_says_why(world, agent) -> None:
    agent.devices.scanner.fault = "no_page"
    command_id = _request(world, terminals.request_scan)
    agent.step()
    command = _command(world, command_id)
    assert command.status == "failed" and command.result["reasons"] == ["no_page"]
    with world.app_context():
        terminal = db.session.scalars(sa.select(Terminal)).one()
        with pytest.raises(ConflictError):
            terminals.scanned_pages(
                terminal, command_id, store=world.extensions["miaopi.filestore"]
            )


def test_pages_of_a_finished_or_foreign_scan_are_refused(world, agent) -> None:
    command_id = _request(world, terminals.request_scan)
    with pytest.raises(TransportError) as queued:  # not yet handed out
        agent.transport.post_scan_page(command_id, jpeg(10))
    assert queued.value.status == 409
    agent.step()
    with pytest.raises(TransportError) as finished:
        agent.transport.post_scan_page(command_id, jpeg(10))
    assert finished.value.status == 409
    with pytest.raises(TransportError) as unknown:
        agent.transport.post_scan_page("f" * 32, jpeg(10))
    assert unknown.value.status == 404


def test_refused_events_are_dropped_and_the_queue_goes_on(world, agent) -> None:
    agent.emit("print_finished", command="no-such-command")  # 404
    agent.clock = lambda: utcnow() - terminals.MAX_SKEW * 2
    agent.emit("card_removed")  # stale: 422
    agent.clock = utcnow
    agent.emit("card_removed")
    assert agent.flush() == 1
    assert not agent.pending
    assert kinds(world) == ["card_removed"]


def test_a_late_print_result_still_counts(world, client, agent) -> None:
    """The paper came out while the connection was down for ten minutes."""
    document_id = _approved_document(world, client)
    command_id = _request(world, _print, document_id)
    agent.transport.drops = 2  # both flushes of the step fail
    agent.step()  # printed; the heartbeat and the result wait in the queue
    assert [e["kind"] for e in agent.pending] == ["heartbeat", "print_finished"]
    sent_at = utcnow() - terminals.MAX_SKEW * 2
    for event in agent.pending:
        event["sent_at"] = sent_at.isoformat()
    assert agent.flush() == 1  # the stale heartbeat is dropped
    assert _command(world, command_id).status == "done"
    assert _printed(world)[0] == 1


class Decoder(PhotoDecoder):
    def decode(self, wlt: bytes) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (102, 126), (90, 120, 200)).save(out, "BMP")
        return out.getvalue()


def test_the_card_photo_goes_as_jpeg_when_a_decoder_is_installed(agent) -> None:
    agent.devices.reader.card = CARD
    agent.watch_card()
    assert agent.pending[-1]["data"]["photo_jpeg"] is None  # no decoder
    agent.devices.reader.card = None
    agent.watch_card()
    agent.devices.photo_decoder = Decoder()
    agent.devices.reader.card = dataclasses.replace(CARD, photo_wlt=bytes(1024))
    agent.watch_card()
    event = agent.pending[-1]
    assert event["kind"] == "card_inserted"
    photo = Image.open(io.BytesIO(base64.b64decode(event["data"]["photo_jpeg"])))
    assert (photo.format, photo.size) == ("JPEG", (102, 126))


def test_documents_not_commanded_to_the_terminal_are_not_found(
    world, client, agent
) -> None:
    document_id = _approved_document(world, client)
    with pytest.raises(TransportError) as raised:
        agent.transport.fetch_document(document_id)
    assert raised.value.status == 404


def test_a_revoked_terminal_stops_its_agent(world, agent) -> None:
    agent.step()
    with world.app_context():
        terminals.revoke("LH-JX-001", now=utcnow(), actor="test")
        db.session.commit()
    with pytest.raises(TerminalRevoked):
        agent.step()


def _until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_the_running_agent_reports_cards_at_once_and_prints_meanwhile(
    world, client, agent
) -> None:
    document_id = _approved_document(world, client)
    stop = threading.Event()
    runner = threading.Thread(
        target=agent.run, args=(stop,), kwargs={"card_poll_s": 0.05, "wait": 1}
    )
    runner.start()
    try:
        agent.devices.reader.card = CARD
        assert _until(lambda: "card_inserted" in kinds(world), timeout=2)
        command_id = _request(world, _print, document_id)
        assert _until(lambda: _command(world, command_id).status == "done")
        agent.devices.reader.card = None
        assert _until(lambda: "card_removed" in kinds(world), timeout=2)
        assert kinds(world).count("heartbeat") == 1  # every 10 s, not per cycle
    finally:
        stop.set()
        runner.join(timeout=5)
    assert not runner.is_alive()


def test_a_stuck_a4_print_does_not_hold_the_receipt(world, client, agent) -> None:
    document_id = _approved_document(world, client)
    agent.devices.a4_printer.stuck = True
    agent.job_timeout_s = 3
    a4 = _request(world, _print, document_id)
    stop = threading.Event()
    runner = threading.Thread(target=agent.run, args=(stop,), kwargs={"wait": 1})
    runner.start()
    try:
        assert _until(lambda: _command(world, a4).status == "delivered", timeout=2)
        receipt = _request(world, terminals.request_receipt, document_id)
        # The receipt comes out while the A4 job is still being followed.
        assert _until(lambda: _command(world, receipt).status == "done", timeout=2)
        assert _command(world, a4).status == "delivered"
        assert _until(lambda: _command(world, a4).status == "failed", timeout=5)
        assert _command(world, a4).result["reasons"] == ["timeout"]
    finally:
        stop.set()
        runner.join(timeout=10)
    assert not runner.is_alive()


def test_a_running_agent_stops_when_revoked(world, agent, caplog) -> None:
    runner = threading.Thread(
        target=agent.run, kwargs={"card_poll_s": 0.05, "heartbeat_s": 0.1, "wait": 1}
    )
    runner.start()
    assert _until(lambda: "heartbeat" in kinds(world))
    with world.app_context():
        terminals.revoke("LH-JX-001", now=utcnow(), actor="test")
        db.session.commit()
    runner.join(timeout=5)
    assert not runner.is_alive()
    # The log says why, in the server's words.
    assert "server answered 401: 终端认证失败" in caplog.text


def _heartbeat(world, certified: str | None) -> int:
    """Post a heartbeat as LH-JX-001, nginx naming ``certified`` (or nobody)."""
    with world.app_context():
        _, secret = terminals.register(
            "LH-JX-001", name="金霞1号机", location="金霞街道", now=utcnow(), actor="t"
        )
        terminals.register(
            "LH-JX-002", name="金霞2号机", location="金霞街道", now=utcnow(), actor="t"
        )
        db.session.commit()
    headers = {"Authorization": f"Bearer {secret}", "X-Terminal": "LH-JX-001"}
    if certified is not None:
        headers["X-Kiosk-Terminal"] = certified
    response = world.test_client().post(
        "/api/v1/terminal/events",
        json={
            "kind": "heartbeat",
            "event_id": "heartbeat-1",
            "sent_at": utcnow().isoformat(),
        },
        headers=headers,
    )
    return response.status_code


@pytest.mark.parametrize(
    "certified, required, status",
    [
        ("LH-JX-001", False, 200),  # its own certificate
        ("LH-JX-002", False, 401),  # another terminal's certificate
        (None, False, 200),  # the public host: the secret alone
        (None, True, 401),  # ... unless certificates are required
        ("LH-JX-001", True, 200),
    ],
)
def test_the_agents_certificate_must_name_its_terminal(
    world, certified, required, status
) -> None:
    world.config.update(
        KIOSK_TERMINAL_HEADER="X-Kiosk-Terminal", TERMINAL_AGENT_CERT_REQUIRED=required
    )
    assert _heartbeat(world, certified) == status
    with world.app_context():
        events = db.session.scalar(
            sa.select(sa.func.count()).select_from(TerminalEvent)
        )
    assert events == (1 if status == 200 else 0)


def test_without_the_header_setting_a_certificate_header_is_ignored(world) -> None:
    assert (
        "KIOSK_TERMINAL_HEADER" not in world.config
        or not world.config["KIOSK_TERMINAL_HEADER"]
    )
    assert _heartbeat(world, "LH-JX-002") == 200


def test_requiring_certificates_without_the_header_refuses_to_start() -> None:
    from webapp import create_app

    with pytest.raises(RuntimeError, match="KIOSK_TERMINAL_HEADER"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                    "TERMINAL_AGENT_CERT_REQUIRED": True})  # fmt: skip
