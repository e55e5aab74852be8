"""Fixtures of the kiosk's real-browser tests (Playwright + Debian's Chromium).

``kiosk_server`` is the standalone role served over HTTP on 127.0.0.1 with the
in-process terminal agent and the simulated devices; ``browser`` is Chromium
(``/usr/bin/chromium``, Debian package ``chromium``: no ``playwright install``);
``page`` is a portrait 1080×1920 touch page, ``landscape_page`` a 1920×1080 one.
Without Chromium the browser tests skip, and fail in CI (``CI=true``).

Helpers (``shot``, ``axe_violations``, ``sandbox_person`` …) are in
``tests/kiosk/harness.py``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from govcore import terminals
from govcore.clock import utcnow
from govcore.db import db
from tests.components import require_tool
from tests.kiosk.harness import (
    KIOSK_TERMINAL,
    LANDSCAPE,
    PORTRAIT,
    ErrorLog,
    KioskServer,
)
from webapp import create_app
from webapp.standalone import prepare, start_agent


def build_app(root: Path) -> Flask:
    """The standalone app with simulated devices, its instance folder in
    ``root`` (sim_control and start_agent use ``app.instance_path``, which
    create_app takes from ``MIAOPI_INSTANCE_PATH``; the variable is restored)."""
    saved = os.environ.get("MIAOPI_INSTANCE_PATH")
    os.environ["MIAOPI_INSTANCE_PATH"] = str(root / "instance")
    try:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'miaopi.sqlite3'}",
                "ROLE": "standalone",
                "DEVICES": "simulated",
                "KIOSK_TERMINAL": KIOSK_TERMINAL,
                "DEMO_HISTORY": False,  # each test makes what it needs
                "UPLOAD_DIR": str(root / "uploads"),
                "DOCUMENT_KEY_DIR": str(root / "keys"),
                "DOCUMENT_PKI_DIR": str(root / "pki"),
            }
        )
    finally:
        if saved is None:
            del os.environ["MIAOPI_INSTANCE_PATH"]
        else:
            os.environ["MIAOPI_INSTANCE_PATH"] = saved
    assert app.instance_path == str(root / "instance")
    # create_app makes the instance folder only when it picks the database
    # itself; start_agent writes the terminal secret there without making it.
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return app


@pytest.fixture(scope="module")
def kiosk_server() -> Iterator[KioskServer]:
    """A live server per test module.

    Module scope: preparing the instance (migrations, catalogue, a sandbox of
    ~2000 people) and the agent's first heartbeat take a few seconds, too much
    per test; yet each module starts from a fresh database and instance, so
    kiosk sessions, terminal pairing and queued commands of one test file
    never leak into another. Within a module the device simulators are reset
    after each test (see ``_kiosk_test_hygiene``).
    """
    root = Path(tempfile.mkdtemp(prefix="miaopi-kiosk-"))
    app = build_app(root)
    errors = ErrorLog()
    errors.attach()
    with app.app_context():
        prepare()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{http.server_port}"
    serving = threading.Thread(
        target=http.serve_forever, name="kiosk-http", daemon=True
    )
    serving.start()
    before = set(threading.enumerate())
    stop = start_agent(app, f"{base_url}/api/v1/terminal")
    agent_thread = next(
        (t for t in threading.enumerate() if t not in before and "agent" in t.name),
        None,
    )
    server = KioskServer(
        base_url=base_url,
        app=app,
        errors=errors.records,
        http=http,
        agent_stop=stop,
        agent_thread=agent_thread,
    )
    try:
        yield server
    finally:
        stop.set()
        # Revoking the terminal ends the agent's command long-poll at once
        # (the server answers 401); otherwise the stop waits for it to expire.
        with app.app_context():
            terminals.revoke(KIOSK_TERMINAL, now=utcnow(), actor="tests")
            db.session.commit()
        if agent_thread is not None:
            agent_thread.join(timeout=30)
        http.shutdown()
        serving.join(timeout=10)
        http.server_close()
        errors.detach()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        agent_stopped = agent_thread is None or not agent_thread.is_alive()
        if agent_stopped:  # else it may still use the instance folder
            shutil.rmtree(root, ignore_errors=True)
        assert agent_stopped, "the terminal agent did not stop within 30 s"


@pytest.fixture(autouse=True)
def _kiosk_test_hygiene(request: pytest.FixtureRequest) -> Iterator[None]:
    """For a test that uses the live server: fail it when the server or the
    agent logged an error meanwhile, and reset the simulated devices after it."""
    if "kiosk_server" not in request.fixturenames:
        yield
        return
    server: KioskServer = request.getfixturevalue("kiosk_server")
    server.errors.clear()
    yield
    try:
        server.reset_devices()
    finally:
        logged = server._errors_text() if server.errors else ""
        server.errors.clear()
    assert not logged, f"the server or the agent logged errors:\n{logged}"


# ----------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (one per module).

    Not one per session: Playwright's sync API keeps an asyncio event loop
    running in the main thread while it is started, and the tests that run
    after the kiosk's (pyHanko signing through ``asyncio.run``) need none."""
    executable = require_tool("chromium", "chromium")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"]
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_context(browser: Any) -> Iterator[Callable[..., Any]]:
    """Make browser contexts (closed after the test): portrait kiosk by
    default, ``new_context(landscape=True)`` for 1920×1080; other keywords go
    to Playwright's ``browser.new_context``."""
    contexts: list[Any] = []

    def make(landscape: bool = False, **options: Any) -> Any:
        settings = {
            "viewport": LANDSCAPE if landscape else PORTRAIT,
            "locale": "zh-CN",
            "timezone_id": "Asia/Shanghai",
            "has_touch": True,
            **options,
        }
        context = browser.new_context(**settings)
        context.set_default_timeout(5000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def js_errors() -> list[str]:
    """Uncaught JavaScript errors of ``page``/``landscape_page``; a test that
    expects some clears this list, otherwise any fails the test."""
    return []


def _watched_page(context: Any, errors: list[str]) -> Any:
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return page


@pytest.fixture
def page(new_context: Callable[..., Any], js_errors: list[str]) -> Iterator[Any]:
    """A page on the portrait kiosk screen (1080×1920, touch, zh-CN)."""
    yield _watched_page(new_context(), js_errors)
    assert not js_errors, "uncaught JavaScript errors:\n" + "\n".join(js_errors)


@pytest.fixture
def landscape_page(
    new_context: Callable[..., Any], js_errors: list[str]
) -> Iterator[Any]:
    """A page on a landscape 1920×1080 touch screen."""
    yield _watched_page(new_context(landscape=True), js_errors)
    assert not js_errors, "uncaught JavaScript errors:\n" + "\n".join(js_errors)
