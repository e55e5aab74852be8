"""The canary: no trace of a person where no trace belongs (security R30).

金丝雀 (canary) is a sandbox persona planted for this test: her ID number
``11010519491231002X`` is the worked example of GB 11643, her household
register and social security card (with its registered mobile number) are in
the sandbox like anyone's. She logs in on the phone, applies, logs in at a
kiosk with the phone's QR code, then puts her ID card on a kiosk's reader,
applies there and has the results printed, on a live server (so Werkzeug
writes its access log, URLs included) with the real terminal agent driving
simulated devices. Then others use the same kiosk and the API, and anyone
opens her documents' verification pages.

Her ID number (either case of the check letter), her name (also
percent-encoded, as in a URL) and her phone number must then be absent from:
every log record of every logger at DEBUG (SQL statements included, at INFO),
the answers given to other people and to anyone, the receipt tickets the
server sent to the printer (ESC/POS ticket JSON) and their printed text, the
print jobs' titles and spool file names, and the audit log.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import make_server

from devices.agent import Agent, Devices, HttpTransport
from devices.simulated.control import SimControl
from devices.simulated.devices import (
    ControlledIdCardReader,
    SimulatedA4Printer,
    SimulatedReceiptPrinter,
)
from govcore import terminals
from govcore.applications import Application
from govcore.audit import AuditEvent
from govcore.clock import utcnow
from govcore.datahub.sandbox.personas import PERSONAS
from govcore.db import db
from govcore.terminals import kiosk
from tests.api.conftest import load_world
from webapp.devices import sandbox_card

pytestmark = pytest.mark.served  # the kiosk and agent talk to a threaded server

TERMINAL = "LH-CANARY-01"
PERSON = {p.name: p.id_number for p in PERSONAS}


@dataclass(frozen=True)
class Canary:
    id_number: str
    name: str
    phone: str

    def needles(self) -> dict[str, str]:
        """What may not appear, by a label for the report."""
        return {
            "ID number": self.id_number,
            "ID number (lower-case x)": self.id_number.lower(),
            "name": self.name,
            "name in a URL": quote(self.name),
            "name in a URL (lower-case)": quote(self.name).lower(),
            "phone": self.phone,
        }

    def found_in(self, texts: list[str]) -> list[str]:
        return [
            f"{label} in {text[:300]!r}"
            for text in texts
            for label, needle in self.needles().items()
            if needle in text
        ]


class RecordingTransport(HttpTransport):
    """The agent's transport, keeping each receipt ticket the server sent."""

    tickets: list[dict[str, Any]]

    def fetch_ticket(self, document_id: str, width_mm: int) -> dict[str, Any]:
        ticket = super().fetch_ticket(document_id, width_mm)
        self.tickets.append(ticket)
        return ticket


class TitledPrinter(SimulatedA4Printer):
    """The simulated A4 printer (PDFs to a spool folder), keeping job titles."""

    titles: list[str]

    def submit(self, pdf: bytes, *, title: str) -> str:
        self.titles.append(title)
        return super().submit(pdf, title=title)


@dataclass
class Live:
    """The app served on a loopback port, and its terminal's agent."""

    app: Flask
    base_url: str
    agent: Agent
    control: SimControl
    spool: Path
    # Answers given to others than the canary, by who and what.
    others: dict[str, str] = field(default_factory=dict)
    sessions: list[requests.Session] = field(default_factory=list)

    def browser(self) -> requests.Session:
        """A new client with its own cookies (a screen, a phone)."""
        session = requests.Session()
        self.sessions.append(session)
        return session

    def url(self, path: str) -> str:
        return self.base_url + path

    def card(self, name: str | None) -> None:
        """Put ``name``'s ID card on the reader (None: take it off); the agent
        reports it."""
        card = None
        if name is not None:
            with self.app.app_context():
                card = sandbox_card(
                    self.app.extensions["miaopi.datasource"], PERSON[name], utcnow()
                )
        self.control.update(card=card)
        self.agent.step()

    @property
    def tickets(self) -> list[dict[str, Any]]:
        return self.agent.transport.tickets  # type: ignore[attr-defined]

    @property
    def titles(self) -> list[str]:
        return self.agent.devices.a4_printer.titles  # type: ignore[union-attr]


@pytest.fixture
def canary(app: Flask) -> Canary:
    load_world(app)
    with app.app_context():
        card = app.extensions["miaopi.datasource"].fetch(
            "SI", PERSON["金丝雀"], now=utcnow()
        )
        phone = card.data["card"]["phone"]
    return Canary(PERSON["金丝雀"], "金丝雀", phone)


@pytest.fixture
def live(app: Flask, canary: Canary, tmp_path: Path) -> Iterator[Live]:
    app.config["KIOSK_TERMINAL"] = TERMINAL
    with app.app_context():
        _, secret = terminals.register(
            TERMINAL, name="金丝雀测试终端", location="大厅", now=utcnow(), actor="t"
        )
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    control = SimControl(tmp_path / "devices-sim.json")
    transport = RecordingTransport(f"{base_url}/api/v1/terminal", TERMINAL, secret)
    transport.tickets = []
    printer = TitledPrinter(control, tmp_path / "spool")
    printer.titles = []
    devices = Devices(
        reader=ControlledIdCardReader(control),
        a4_printer=printer,
        receipt_printer=SimulatedReceiptPrinter(control),
    )
    agent = Agent(transport, devices, job_poll_s=0.01)
    agent.step()  # the first heartbeat: the terminal is online
    live = Live(app, base_url, agent, control, tmp_path / "spool")
    try:
        yield live
    finally:
        for session in live.sessions:
            session.close()
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


# ------------------------------------------------------------------ journeys


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def phone_journey(live: Live, canary: Canary) -> dict[str, str]:
    """The canary on the phone: login, a certificate, a correction of her
    phone number refused, her documents; returns her bearer header."""
    phone = live.browser()
    login = phone.post(
        live.url("/api/v1/auth/dev-login"),
        json={"id_number": canary.id_number, "name": canary.name},
    )
    assert login.status_code == 201, login.text
    auth = {"Authorization": f"Bearer {login.json()['token']}"}
    assert phone.get(live.url("/api/v1/me"), headers=auth).status_code == 200
    draft = phone.post(
        live.url("/api/v1/applications"),
        json={"item_code": "no-criminal-record-certificate"},
        headers=auth,
    ).json()
    one = live.url(f"/api/v1/applications/{draft['id']}")
    bad = phone.patch(
        one, json={"fields": {"phone": canary.phone + "99"}}, headers=auth
    )
    assert bad.status_code == 422, bad.text
    edit = phone.patch(one, json={"fields": {"purpose": "就业"}}, headers=auth)
    assert edit.status_code == 200, edit.text
    done = phone.post(one + "/submit", headers={**auth, "Idempotency-Key": "c-1"})
    assert done.json()["status"] == "approved", done.text
    for document in phone.get(one + "/documents", headers=auth).json()["documents"]:
        assert phone.get(live.url(document["pdf_url"]), headers=auth).ok
    phone.get(live.url("/api/v1/notifications"), headers=auth)
    # A wrong ID number for her name: refused, and nothing of it logged.
    wrong = canary.id_number[:-1] + "3"
    refused = phone.post(
        live.url("/api/v1/auth/dev-login"),
        json={"id_number": wrong, "name": canary.name},
    )
    assert refused.status_code == 401
    return auth


def phone_login_at_the_kiosk(live: Live, auth: dict[str, str]) -> None:
    """扫码登录: the canary scans the kiosk's QR, the screen opens her session,
    she leaves with the 退出 button."""
    screen = live.browser()
    live.others["the screen before (welcome)"] = screen.get(live.url("/kiosk/")).text
    with live.app.app_context():
        code = kiosk.login_code(kiosk.terminal_by_code(TERMINAL), now=utcnow())
        db.session.commit()
    answer = requests.post(
        live.url("/api/v1/kiosk-login"), json={"code": code}, headers=auth
    )
    assert answer.status_code == 200, answer.text
    token = csrf_of(screen.get(live.url("/kiosk/")).text)
    start_session(live, screen, token, "the screen's poll (phone login waiting)")
    assert screen.get(live.url("/kiosk/home")).ok
    screen.post(live.url("/kiosk/exit"), data={"csrf_token": token})


def start_session(live: Live, screen: requests.Session, token: str, label: str) -> None:
    """The screen's poll (kept, under ``label``, to search for the canary)
    and the session it offers, started as the welcome page's script does."""
    poll = screen.get(live.url("/kiosk/poll")).json()
    live.others[label] = json.dumps(poll, ensure_ascii=False)
    started = screen.post(
        live.url("/kiosk/start"),
        data={"card_seq": poll["card_seq"]},
        headers={"X-CSRFToken": token},
    )
    assert started.json()["next"] == "/kiosk/home", started.text


def kiosk_journey(live: Live) -> str:
    """The canary's card on the reader, the aged allowance applied for at the
    kiosk, the results printed; returns the application's public id."""
    screen = live.browser()
    token = csrf_of(screen.get(live.url("/kiosk/")).text)
    live.card("金丝雀")
    start_session(live, screen, token, "the screen's poll (card waiting)")
    token = csrf_of(screen.get(live.url("/kiosk/home")).text)
    screen.get(live.url("/kiosk/items?q=gllr"))
    screen.get(live.url("/kiosk/items/aged-allowance"))
    form = screen.post(
        live.url("/kiosk/items/aged-allowance/apply"), data={"csrf_token": token}
    )
    application_id = re.search(r"/kiosk/a/([^/]+)/form", form.url).group(1)
    one = live.url(f"/kiosk/a/{application_id}")
    screen.post(one + "/form", data={"csrf_token": token})
    screen.get(one + "/confirm")
    result = screen.post(one + "/submit", data={"csrf_token": token})
    assert result.url.endswith("/result"), result.url
    live.agent.step()  # the agent prints the decision and the receipt
    prints = screen.get(one + "/prints").json()
    assert prints["done"], prints
    live.card(None)  # she takes her card: the session ends
    live.others["the screen after (ended)"] = screen.get(live.url("/kiosk/ended")).text
    live.others["her result page, after"] = screen.get(one + "/result").text
    return application_id


def the_next_person(live: Live, kiosk_application: str) -> None:
    """陈伯 at the same kiosk, then on his phone: nothing of hers."""
    screen = live.browser()
    token = csrf_of(screen.get(live.url("/kiosk/")).text)
    live.card("陈伯")
    poll = screen.get(live.url("/kiosk/poll")).json()
    screen.post(
        live.url("/kiosk/start"),
        data={"card_seq": poll["card_seq"]},
        headers={"X-CSRFToken": token},
    )
    for path in (
        "/kiosk/home",
        "/kiosk/items/aged-allowance",
        "/kiosk/poll",
        f"/kiosk/a/{kiosk_application}/result",
        f"/kiosk/a/{kiosk_application}/prints",
    ):
        live.others[f"陈伯 at the kiosk: {path}"] = screen.get(live.url(path)).text
    live.card(None)

    phone = live.browser()
    login = phone.post(
        live.url("/api/v1/auth/dev-login"),
        json={"id_number": PERSON["陈伯"], "name": "陈伯"},
    ).json()
    auth = {"Authorization": f"Bearer {login['token']}"}
    for path in (
        "/api/v1/me",
        "/api/v1/applications",
        "/api/v1/notifications",
        f"/api/v1/applications/{kiosk_application}",
        f"/api/v1/applications/{kiosk_application}/documents",
    ):
        answer = phone.get(live.url(path), headers=auth)
        live.others[f"陈伯's phone: {path}"] = answer.text


def her_documents(app: Flask, canary: Canary) -> list[str]:
    with app.app_context():
        from govcore.certificates.models import ResultDocument

        return [
            document.fields["verify_url"].rsplit("/", 1)[1]
            for document in db.session.scalars(
                sa.select(ResultDocument)
                .join(Application)
                .where(Application.applicant_id_number == canary.id_number)
            )
        ]


# ------------------------------------------------------------------ the test


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG; SQLAlchemy's statements too (at INFO, the level
    of ``echo=True``; its DEBUG adds result rows, a debugging aid that prints
    whatever the database holds by design)."""
    caplog.set_level(logging.DEBUG)
    sql = logging.getLogger("sqlalchemy.engine")
    level = sql.level
    sql.setLevel(logging.INFO)
    yield caplog
    sql.setLevel(level)


def log_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Each record as a handler would write it, its traceback included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(record) for record in caplog.records]


def test_the_canary_leaves_no_trace(
    live: Live, canary: Canary, every_log: pytest.LogCaptureFixture
) -> None:
    auth = phone_journey(live, canary)
    phone_login_at_the_kiosk(live, auth)
    kiosk_application = kiosk_journey(live)
    the_next_person(live, kiosk_application)
    public = {}
    for token in her_documents(live.app, canary):
        for path in (f"/verify/{token}", f"/api/v1/verify/{token}"):
            answer = requests.get(live.url(path))
            assert answer.status_code == 200, answer.text
            public[f"anyone: {path}"] = answer.text
    with live.app.app_context():
        audit = [
            json.dumps(
                [e.action, e.actor, e.target, e.details],
                ensure_ascii=False,
                default=str,
            )
            for e in db.session.scalars(sa.select(AuditEvent))
        ]
    logs = log_lines(every_log)
    outputs = {
        "logs": logs,
        "answers to others": list(live.others.values()),
        "public verification": list(public.values()),
        "receipt tickets (JSON)": [
            json.dumps(t, ensure_ascii=False) for t in live.tickets
        ],
        "receipt tickets (printed)": list(
            live.agent.devices.receipt_printer.printed  # type: ignore[union-attr]
        ),
        "print job titles": live.titles,
        "spool file names": [p.name for p in live.spool.iterdir()],
        "audit log": audit,
    }
    leaks = {where: canary.found_in(texts) for where, texts in outputs.items()}
    assert not any(leaks.values()), {k: v for k, v in leaks.items() if v}

    # Not vacuous: she went everywhere the outputs come from.
    assert sum("werkzeug" in line and "POST /kiosk/" in line for line in logs) >= 4
    assert any(line.startswith("sqlalchemy.engine") for line in logs)
    assert live.tickets and live.titles
    assert len(public) >= 4 and len(audit) >= 5, (list(public), audit)
    assert all("金*" in text for text in public.values())  # masked, not absent
    with live.app.app_context():
        mine = db.session.scalars(
            sa.select(Application.channel).where(
                Application.applicant_id_number == canary.id_number
            )
        ).all()
    assert sorted(c.value for c in mine) == ["kiosk", "mobile"]


def test_a_logged_database_error_does_not_quote_her(
    app: Flask, canary: Canary, caplog: pytest.LogCaptureFixture
) -> None:
    """A database error logged with its traceback (the last-resort handler,
    a failed decision) names the statement, not the values bound to it."""
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        insert = sa.text(
            "INSERT INTO terminal (id, code) VALUES (:id, :code)"
        )  # a row without its required columns: the database refuses it
        with pytest.raises(sa.exc.DBAPIError) as raised:
            db.session.execute(insert, {"id": canary.id_number, "code": canary.name})
        db.session.rollback()
        app.logger.error("write failed", exc_info=raised.value)
    assert "hidden due to hide_parameters" in str(raised.value)
    (line,) = log_lines(caplog)
    assert "message withheld" in line and "INSERT INTO terminal" in line
    assert 'File "' in line  # the traceback itself is kept
    assert not canary.found_in([line])
