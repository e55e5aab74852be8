"""Fault: the kiosk's device agent loses its connection in the middle of a print.

The real agent (:class:`devices.agent.Agent`, run with its card loop and its
long-poll thread) talks HTTP to the server on loopback through a TCP proxy
of ours (:mod:`tests.faults.tcp_proxy`). The A4 printer is a fake of the port
that keeps the job ``printing`` until the test lets it finish, so the
connection can be lost while the paper is coming out:

- cut: every connection closed and new ones refused while the job finishes,
  so ``print_finished`` cannot be reported; then the connection comes back;
- answers lost: the server receives ``print_finished`` and applies it, but
  its answer never reaches the agent, which sends the event again.

What must hold: the agent keeps the event and delivers it after the
reconnection, under the same event id; the server counts the print exactly
once (``delivery.record_print``), and the printer printed once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from devices.agent import Agent, Devices, HttpTransport
from govcore import terminals
from govcore.audit.log import AuditEvent
from govcore.certificates.models import ResultDocument
from govcore.clock import utcnow
from govcore.db import db
from govcore.ports import (
    DeviceState,
    DeviceStatus,
    DocumentPrinter,
    PrintJob,
    PrintJobState,
)
from govcore.terminals import Terminal, TerminalCommand, TerminalEvent
from tests.api.conftest import create_draft, dev_login
from tests.faults.tcp_proxy import Proxy, proxy_to

pytestmark = pytest.mark.slow

DOWN_S = 1.0


class SlowPrinter(DocumentPrinter):
    """Prints one page at the pace the test sets: ``printing`` until released."""

    def __init__(self) -> None:
        self.jobs: list[bytes] = []
        self.paper_out = threading.Event()

    def submit(self, pdf: bytes, *, title: str) -> str:
        self.jobs.append(pdf)
        return str(len(self.jobs))

    def job(self, job_id: str) -> PrintJob:
        if self.paper_out.is_set():
            return PrintJob(job_id, PrintJobState.COMPLETED)
        return PrintJob(job_id, PrintJobState.PRINTING)

    def status(self) -> DeviceStatus:
        return DeviceStatus(DeviceState.READY)


@pytest.fixture
def server_app(app_on_file: Flask) -> Flask:
    """The server on a SQLite file (its request threads share it safely)."""
    return app_on_file


@pytest.fixture
def proxy(server_app: Flask, serve: Callable[..., Any]) -> Iterator[Proxy]:
    server = serve(make_server("127.0.0.1", 0, server_app, threaded=True))
    with proxy_to("127.0.0.1", server.server_port) as proxy:
        yield proxy


@pytest.fixture
def running_agent(server_app: Flask, proxy: Proxy) -> Iterator[Agent]:
    with server_app.app_context():
        _, secret = terminals.register(
            "LH-JX-101", name="金霞1号机", location="金霞街道", now=utcnow(), actor="t"
        )
        db.session.commit()
    transport = HttpTransport(
        f"http://127.0.0.1:{proxy.port}/api/v1/terminal", "LH-JX-101", secret, timeout=2
    )
    agent = Agent(transport, Devices(a4_printer=SlowPrinter()), job_poll_s=0.02)
    stop = threading.Event()
    runner = threading.Thread(
        target=agent.run,
        args=(stop,),
        kwargs={"card_poll_s": 0.05, "heartbeat_s": 60, "wait": 1},
    )
    runner.start()
    yield agent
    stop.set()
    runner.join(timeout=10)
    assert not runner.is_alive()


def print_a_certificate(app: Flask) -> str:
    """Approve 陈伯's 高龄津贴 and ask the terminal to print it; the command id."""
    client = app.test_client()
    auth = dev_login(client, "陈伯")
    draft = create_draft(client, auth, "aged-allowance")
    client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        headers={**auth, "Idempotency-Key": "agent-fault"},
    )
    with app.app_context():
        terminal = db.session.scalars(sa.select(Terminal)).one()
        document = db.session.scalars(sa.select(ResultDocument)).one()
        command = terminals.request_print(
            terminal, document, actor="applicant", now=utcnow()
        )
        db.session.commit()
        return command.public_id


def command_status(app: Flask, command_id: str) -> str:
    with app.app_context():
        return db.session.scalars(
            sa.select(TerminalCommand.status).filter_by(public_id=command_id)
        ).one()


def counted(app: Flask) -> tuple[int, int, int]:
    """Prints counted on the document, print_finished events, print audits."""
    with app.app_context():
        prints = db.session.scalars(sa.select(ResultDocument.prints)).one()
        events = db.session.scalar(
            sa.select(sa.func.count(TerminalEvent.id)).filter_by(kind="print_finished")
        )
        audits = db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).filter_by(action="document_printed")
        )
        return prints, events, audits


def pending_results(agent: Agent) -> list[str]:
    return [e["event_id"] for e in list(agent.pending) if e["kind"] == "print_finished"]


def test_a_print_finished_while_cut_off_is_reported_once_on_reconnection(
    server_app: Flask, proxy: Proxy, running_agent: Agent, until: Callable[..., bool]
) -> None:
    agent, printer = running_agent, running_agent.devices.a4_printer
    command_id = print_a_certificate(server_app)
    assert until(lambda: len(printer.jobs) == 1)  # the paper is coming out

    proxy.cut()
    printer.paper_out.set()
    assert until(lambda: pending_results(agent))  # done, and nobody to tell
    (event_id,) = pending_results(agent)
    refused_before = proxy.refused
    time.sleep(DOWN_S)
    assert proxy.refused > refused_before  # it kept trying, and kept the event
    assert pending_results(agent) == [event_id]
    assert command_status(server_app, command_id) == "delivered"
    assert counted(server_app) == (0, 0, 0)

    proxy.resume()
    assert until(lambda: command_status(server_app, command_id) == "done")
    assert until(lambda: not pending_results(agent))
    time.sleep(0.3)  # nothing more arrives
    assert counted(server_app) == (1, 1, 1)
    assert len(printer.jobs) == 1
    with server_app.app_context():
        stored = db.session.scalars(
            sa.select(TerminalEvent.event_id).filter_by(kind="print_finished")
        ).one()
    assert stored == event_id


def test_a_result_whose_answer_was_lost_is_sent_again_and_counted_once(
    server_app: Flask, proxy: Proxy, running_agent: Agent, until: Callable[..., bool]
) -> None:
    agent, printer = running_agent, running_agent.devices.a4_printer
    command_id = print_a_certificate(server_app)
    assert until(lambda: len(printer.jobs) == 1)

    proxy.drop_answers = True
    printer.paper_out.set()
    # The server has the result; the agent, not hearing back, keeps it.
    assert until(lambda: command_status(server_app, command_id) == "done")
    assert until(lambda: proxy.answers_dropped >= 2)  # and sent it again
    assert len(pending_results(agent)) == 1

    proxy.drop_answers = False
    assert until(lambda: not pending_results(agent))
    time.sleep(0.3)
    assert counted(server_app) == (1, 1, 1)
    assert len(printer.jobs) == 1
    print(f"\nanswers lost before the agent heard back: {proxy.answers_dropped}")
