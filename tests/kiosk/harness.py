"""The real-browser harness of the kiosk: a live server, its terminal agent,
Chromium pages, screenshots and the axe-core accessibility scan.

The fixtures are in ``conftest.py``; tests import the helpers from here::

    from tests.kiosk.harness import axe_violations, shot, sandbox_person
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask
from werkzeug.serving import BaseWSGIServer

from devices.simulated.control import DEFAULT_STATE
from govcore import terminals
from govcore.clock import utcnow
from govcore.db import db
from webapp.devices import sandbox_card, sim_control

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "vendor" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"
KIOSK_TERMINAL = "LH-DEMO-001"  # webapp.standalone.DEMO_TERMINAL
PORTRAIT = {"width": 1080, "height": 1920}  # the kiosk's screen
LANDSCAPE = {"width": 1920, "height": 1080}
# Loggers whose errors mean the server or the agent misbehaved: the app's
# (500s, agent steps that raised), werkzeug's (errors serving a request) and
# the agent's (events the server refused).
WATCHED_LOGGERS = ("webapp", "werkzeug", "devices.agent")

T = TypeVar("T")


def wait_for(
    probe: Callable[[], T],
    timeout: float = 5.0,
    describe: str | Callable[[], str] = "condition not met",
    interval: float = 0.05,
) -> T:
    """Poll ``probe`` until it returns something truthy, and return that.

    :raise AssertionError: nothing truthy within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            text = describe() if callable(describe) else describe
            raise AssertionError(f"after {timeout:g} s: {text}")
        time.sleep(interval)


class ErrorLog(logging.Handler):
    """Keeps the ERROR records of :data:`WATCHED_LOGGERS` while attached."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self._loggers: list[tuple[logging.Logger, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def attach(self) -> None:
        for name in WATCHED_LOGGERS:
            logger = logging.getLogger(name)
            self._loggers.append((logger, logger.level))
            if logger.getEffectiveLevel() > logging.ERROR:
                logger.setLevel(logging.ERROR)
            logger.addHandler(self)

    def detach(self) -> None:
        for logger, level in self._loggers:
            logger.removeHandler(self)
            logger.setLevel(level)
        self._loggers.clear()

    def text(self) -> str:
        return "\n".join(
            f"{r.name}: {r.getMessage()}"
            + (
                f"\n{logging.Formatter().formatException(r.exc_info)}"
                if r.exc_info
                else ""
            )
            for r in self.records
        )


@dataclass
class KioskServer:
    """The live standalone server on ``base_url`` and its in-process agent.

    ``errors`` holds what the server and the agent logged at ERROR level; the
    ``kiosk_server`` fixture fails a test that leaves any there (a test that
    provokes errors on purpose clears the list).
    """

    base_url: str
    app: Flask
    terminal: str = KIOSK_TERMINAL
    errors: list[logging.LogRecord] = field(default_factory=list)
    http: BaseWSGIServer | None = None
    agent_stop: threading.Event | None = None
    agent_thread: threading.Thread | None = None

    # ------------------------------------------------------- simulated devices

    def insert_card(self, id_number: str, *, wait: bool = False) -> dict[str, Any]:
        """Put sandbox person ``id_number``'s ID card on the simulated reader.

        With ``wait``, return only once the agent's ``card_inserted`` reached
        the server. Returns the card's fields as the control file holds them.
        """
        since = self.last_event_id()
        with self.app.app_context():
            card = sandbox_card(
                self.app.extensions["miaopi.datasource"], id_number, utcnow()
            )
        sim_control(self.app).update(card=card)
        if wait:
            self.wait_event("card_inserted", after=since)
        return card

    def remove_card(self, *, wait: bool = True) -> None:
        """Take the card off the reader; with ``wait`` (the default), return
        once the server got ``card_removed``, so that a card put on next is
        seen as a new card (the agent notices only presence changes)."""
        had_card = sim_control(self.app).read()["card"] is not None
        since = self.last_event_id()
        sim_control(self.app).update(card=None)
        if wait and had_card:
            self.wait_event("card_removed", after=since)

    def set_fault(self, **changes: Any) -> dict[str, Any]:
        """Change simulator settings (``a4_fault="media-jam"``,
        ``receipt_paper="empty"``, ``reader_fault="read_failed"`` …); see
        :data:`devices.simulated.control.DEFAULT_STATE`. Returns the state."""
        return sim_control(self.app).update(**changes)

    def reset_devices(self) -> None:
        """No card, no faults: the simulators' default state."""
        self.remove_card()
        sim_control(self.app).update(**{**DEFAULT_STATE, "card": None})

    # ------------------------------------------------------- the terminal

    def terminal_online(self) -> bool:
        with self.app.app_context():
            terminal = db.session.scalar(
                sa.select(terminals.Terminal).where(
                    terminals.Terminal.code == self.terminal
                )
            )
            return terminal is not None and terminals.online(terminal, utcnow())

    def wait_terminal_online(self, timeout: float = 10.0) -> None:
        """The first heartbeat comes a moment after the server starts."""
        wait_for(
            self.terminal_online,
            timeout,
            lambda: f"terminal {self.terminal} not online; logged:\n"
            + self._errors_text(),
        )

    def events(self, kind: str | None = None, *, after: int = 0) -> list[str]:
        """Kinds of the terminal's recorded events with ids above ``after``."""
        with self.app.app_context():
            query = (
                sa.select(terminals.TerminalEvent.kind)
                .join(terminals.Terminal)
                .where(
                    terminals.Terminal.code == self.terminal,
                    terminals.TerminalEvent.id > after,
                )
                .order_by(terminals.TerminalEvent.id)
            )
            if kind is not None:
                query = query.where(terminals.TerminalEvent.kind == kind)
            return list(db.session.scalars(query))

    def last_event_id(self) -> int:
        with self.app.app_context():
            return (
                db.session.scalar(sa.select(sa.func.max(terminals.TerminalEvent.id)))
                or 0
            )

    def wait_event(self, kind: str, *, after: int = 0, timeout: float = 5.0) -> None:
        """Until the server recorded an event ``kind`` with an id above ``after``."""
        wait_for(
            lambda: self.events(kind, after=after),
            timeout,
            lambda: f"no {kind} event from {self.terminal}; since then: "
            f"{self.events(after=after)}; logged:\n{self._errors_text()}",
        )

    def _errors_text(self) -> str:
        handler = ErrorLog()
        handler.records = self.errors
        return handler.text() or "(nothing)"


# ----------------------------------------------------------- sandbox people


def sandbox_people(app: Flask, limit: int | None = 50) -> list[str]:
    """ID numbers of sandbox people with a household record (HK), stable order."""
    with app.app_context():
        return app.extensions["miaopi.datasource"].subjects("HK", limit=limit)


def sandbox_person(app: Flask, *, scan: int = 500, **criteria: Any) -> str:
    """The ID number of the first sandbox person whose HK record matches.

    Each criterion is a record field (``sex``, ``status``, ``rural_resident``,
    ``birth_date`` …) and either a value or a predicate::

        sandbox_person(app, sex="F", birth_date=lambda d: d < "1960")

    :raise LookupError: none of the first ``scan`` people matches.
    """
    source = app.extensions["miaopi.datasource"]
    with app.app_context():
        now = utcnow()
        for id_number in source.subjects("HK", limit=scan):
            record = source.fetch("HK", id_number, now=now).data
            if all(
                want(record.get(key)) if callable(want) else record.get(key) == want
                for key, want in criteria.items()
            ):
                return id_number
    raise LookupError(f"no sandbox person with {criteria} among the first {scan}")


def any_person(app: Flask) -> str:
    return sandbox_person(app)


# ----------------------------------------------------------- pages


def shot(page: Any, name: str) -> Path:
    """Save a full-page PNG of ``page`` to ``tests/kiosk/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(
    page: Any, impacts: Iterable[str] = ("serious", "critical")
) -> list[dict[str, Any]]:
    """Run axe-core on ``page``; its violations of the given impacts.

    Each is ``{"id", "impact", "help", "targets"}``, ``targets`` being the CSS
    selectors of the offending nodes (an empty list means a clean page).
    """
    from playwright.sync_api import Error as PlaywrightError

    if not page.evaluate("() => typeof window.axe === 'object'"):
        try:
            page.add_script_tag(path=str(AXE_JS))
        except PlaywrightError:  # a Content-Security-Policy refused the tag
            page.evaluate(AXE_JS.read_text("utf-8"))
    results = page.evaluate("""async () => {
            const results = await axe.run(document, {resultTypes: ['violations']});
            return results.violations.map(v => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')),
            }));
        }""")
    wanted = set(impacts)
    return [v for v in results if v["impact"] in wanted]
