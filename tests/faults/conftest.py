"""Fault tests: one module per fault (docs/FAULTS.md).

They run in ``make test`` like every other test; the slower ones carry the
``slow`` mark, so ``pytest -m "not slow"`` leaves them out while iterating.

The fixtures here start what a fault test runs beside the app and stop it
afterwards, whatever the outcome: the app on a SQLite file (``app_on_file``),
servers on loopback served from a thread (``serve``), subprocesses such as a
worker (``processes``); ``until`` waits for what they do.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from socketserver import BaseServer
from typing import TypeVar

import pytest
from flask import Flask

from tests.api.conftest import login, world  # noqa: F401  (fixtures)
from tests.conftest import world_app

Server = TypeVar("Server", bound=BaseServer)
Until = Callable[..., bool]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: takes seconds (a fault injected and recovered from)"
    )


@pytest.fixture
def app_on_file(tmp_path: Path) -> Iterator[Flask]:
    """The app with the personas on a SQLite file, which its request threads
    and other processes (a worker) share safely."""
    with world_app(f"sqlite:///{tmp_path / 'app.sqlite3'}") as app:
        yield app


@pytest.fixture
def serve() -> Iterator[Callable[..., BaseServer]]:
    """``serve(server, poll_interval=0.5)`` serves a bound server (a
    ``socketserver`` one, or werkzeug's) from a thread and returns it.

    At teardown each is shut down, closed (which joins its non-daemon
    request threads) and its thread joined, the last started first. A
    fixture that holds requests back must let them go in its own teardown,
    which runs before this one.
    """
    started: list[tuple[BaseServer, threading.Thread]] = []

    def start(server: Server, *, poll_interval: float = 0.5) -> Server:
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": poll_interval},
            daemon=True,
        )
        thread.start()
        started.append((server, thread))
        return server

    yield start
    for server, thread in reversed(started):
        server.shutdown()
        server.server_close()
        thread.join()


class Processes:
    """The subprocesses a test starts; those still running at the end are
    stopped by the ``processes`` fixture."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []

    def start(
        self, argv: Sequence[str], *, env: dict[str, str], log: Path
    ) -> subprocess.Popen:
        """Start ``argv``, its output appended to ``log``."""
        with log.open("a") as out:
            process = subprocess.Popen(
                argv, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        self.started.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen) -> int:
        """SIGKILL, as a crash would; return the exit status."""
        process.send_signal(signal.SIGKILL)
        return process.wait(timeout=10)

    @staticmethod
    def stop(process: subprocess.Popen, *, timeout: float = 10) -> None:
        """Ctrl-C (SIGINT), so it ends cleanly; SIGKILL if it has not within
        ``timeout`` seconds. Nothing for a process that has ended."""
        if process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def processes() -> Iterator[Processes]:
    started = Processes()
    yield started
    for process in reversed(started.started):
        started.stop(process)


def _until(
    condition: Callable[[], object], timeout: float = 10.0, *, every: float = 0.02
) -> bool:
    """Whether ``condition()`` came true within ``timeout`` seconds, asked
    every ``every`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False


@pytest.fixture
def until() -> Until:
    """``until(condition, timeout=10.0, every=0.02)``: see :func:`_until`."""
    return _until
