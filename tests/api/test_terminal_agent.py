"""The terminal agent end to end: the real agent and its HTTP transport against
the server on a loopback port, including a lost connection, a resend, a
failed print and revocation.

Devices are small fakes of the ports here: this is about the protocol; the
drivers are tested against their real components in tests/devices/.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from devices.agent import Agent, Devices, HttpTransport, TransportError
from devices.agent.agent import TerminalRevoked
from govcore import terminals
from govcore.certificates.models import ResultDocument
from govcore.clock import utcnow
from govcore.db import db
from govcore.ports import (
    CardType,
    DeviceState,
    DeviceStatus,
    DocumentPrinter,
    IdCard,
    IdCardReader,
    NoCardError,
    PrintJob,
    PrintJobState,
)
from govcore.terminals import Terminal, TerminalCommand, TerminalEvent
from tests.api.conftest import create_draft, dev_login

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

    def submit(self, pdf: bytes, *, title: str) -> str:
        assert CARD.name not in title and CARD.id_number not in title
        self.printed.append(pdf)
        return str(len(self.printed))

    def job(self, job_id: str) -> PrintJob:
        if self.jam:
            return PrintJob(job_id, PrintJobState.FAILED, ("media-jam",), "卡纸")
        return PrintJob(job_id, PrintJobState.COMPLETED)

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
    return Agent(
        transport, Devices(reader=Reader(), a4_printer=Printer()), job_poll_s=0.01
    )


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
        assert set(terminal.devices) == {"reader", "a4_printer"}


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


def test_the_agent_prints_a_commanded_document(world, client, agent) -> None:
    document_id = _approved_document(world, client)
    with world.app_context():
        terminal = db.session.scalars(sa.select(Terminal)).one()
        terminals.queue_command(
            terminal, "print_document", {"document": document_id}, now=utcnow()
        )
        db.session.commit()
    agent.step()
    (pdf,) = agent.devices.a4_printer.printed
    assert pdf.startswith(b"%PDF")
    with world.app_context():
        assert db.session.scalars(sa.select(TerminalCommand.status)).one() == "done"


def test_a_jam_reports_the_print_failed_and_the_document_stays(
    world, client, agent
) -> None:
    document_id = _approved_document(world, client)
    agent.devices.a4_printer.jam = True
    with world.app_context():
        terminal = db.session.scalars(sa.select(Terminal)).one()
        terminals.queue_command(
            terminal, "print_document", {"document": document_id}, now=utcnow()
        )
        db.session.commit()
    agent.step()
    with world.app_context():
        command = db.session.scalars(sa.select(TerminalCommand)).one()
        assert command.status == "failed"
        assert command.result["reasons"] == ["media-jam"]
    # The document is still there to print again once the jam is cleared.
    again = agent.transport.fetch_document(document_id)
    assert again == agent.devices.a4_printer.printed[0]


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
