"""gunicorn config for the profiled worker: request frames and SQL counts.

    gunicorn -c bench/load/instrument.py … wsgi:app

Two things, neither of which changes the application:

* Each request runs inside a function named after its type
  (:func:`request_submit`, :func:`request_draft`, …), response body and
  teardown included, so that a sampling profiler's stacks (py-spy) say which
  request a sample belongs to from the first byte to the last, authentication,
  the ``Idempotency-Key`` bookkeeping and the JSON answer included.
* Per request type (locust's name for it, sent in ``X-Load-Name``, or the
  method and path), the worker adds up its wall time and its own CPU time
  (``time.process_time``: a sync worker runs one request at a time), and
  counts the statements sent to PostgreSQL, the COMMITs and the pool
  checkouts (each a ``SELECT 1`` pre-ping with ``pool_pre_ping``), through
  SQLAlchemy's engine and pool events; it writes the totals to
  ``$MIAOPI_LOAD_SQL_COUNTS.<pid>.json`` when it exits.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

_ID = re.compile(r"/[0-9a-f]{32}(?=/|$)|/[A-Za-z0-9_-]{40,}(?=/|$)")
_counts: defaultdict[str, Counter[str]] = defaultdict(Counter)  # also seconds
_current: list[str] = []


def _count(what: str) -> None:
    if _current:
        _counts[_current[-1]][what] += 1


@event.listens_for(Engine, "before_cursor_execute")
def _statement(*_: Any) -> None:
    _count("statements")


@event.listens_for(Engine, "commit")
def _commit(*_: Any) -> None:
    _count("commits")


@event.listens_for(Pool, "checkout")
def _checkout(*_: Any) -> None:
    _count("checkouts")


def _run(app: Any, environ: dict[str, Any], start_response: Any) -> list[bytes]:
    iterable = app(environ, start_response)
    try:
        return list(iterable)
    finally:
        if hasattr(iterable, "close"):
            iterable.close()  # Flask's teardown: the session is removed here


# One function per request type: its name is what py-spy's stacks show.
def request_submit(*args: Any) -> list[bytes]:
    return _run(*args)


def request_draft(*args: Any) -> list[bytes]:
    return _run(*args)


def request_fill_in(*args: Any) -> list[bytes]:
    return _run(*args)


def request_login(*args: Any) -> list[bytes]:
    return _run(*args)


def request_pdf(*args: Any) -> list[bytes]:
    return _run(*args)


def request_other(*args: Any) -> list[bytes]:
    return _run(*args)


def _handler(method: str, path: str) -> Any:
    if method == "POST" and path.endswith("/submit"):
        return request_submit
    if method == "POST" and path == "/api/v1/applications":
        return request_draft
    if method == "PATCH":
        return request_fill_in
    if path.endswith("/dev-login"):
        return request_login
    if path.endswith("/pdf"):
        return request_pdf
    return request_other


class Instrumented:
    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        # locust names its requests (locustfile.py); others by their path.
        key = environ.get("HTTP_X_LOAD_NAME") or f"{method} {_ID.sub('/[id]', path)}"
        counts = _counts[key]
        counts["requests"] += 1
        _current.append(key)
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return _handler(method, path)(self.app, environ, start_response)
        finally:
            counts["wall_s"] += time.perf_counter() - wall
            counts["cpu_s"] += time.process_time() - cpu
            _current.pop()


def post_worker_init(worker: Any) -> None:
    worker.wsgi = Instrumented(worker.wsgi)


def worker_exit(server: Any, worker: Any) -> None:
    target = os.environ.get("MIAOPI_LOAD_SQL_COUNTS")
    if target:
        with open(f"{target}.{os.getpid()}.json", "w") as file:
            json.dump({k: dict(v) for k, v in _counts.items()}, file, indent=1)
