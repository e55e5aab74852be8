"""Database errors in logs without the values they quote.

SQLAlchemy's own message is safe once bound parameters are hidden
(``hide_parameters``, set in :func:`webapp.load_config`), but the database's
message is not: PostgreSQL says ``value "11010519491231002X" is out of range``
or ``Key (number)=(…) already exists``. A traceback logged by the last-resort
error handler or a failed decision would carry such a message, and so a
person's ID number or name, into the logs.

:func:`install` wraps the log-record factory, so every record of every logger
(whatever handler, formatter or error reporter reads it later) is made
without them: an exception chain with a database error in it becomes a
traceback whose database errors show their class and statement only, and a
database error passed as a message argument becomes the same short text.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

import sqlalchemy as sa

DRIVER_MODULES = ("psycopg", "psycopg2", "sqlite3")


def install() -> None:
    """Wrap the current log-record factory (once per process)."""
    current = logging.getLogRecordFactory()
    if getattr(current, "withholds_database_errors", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        withhold(record)
        return record

    make_record.withholds_database_errors = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)


def is_database_error(error: object) -> bool:
    if isinstance(error, sa.exc.StatementError):
        return True
    module = type(error).__module__.split(".", 1)[0]
    return isinstance(error, Exception) and module in DRIVER_MODULES


def describe(error: BaseException) -> str:
    """A database error's class, its driver's error class and its statement."""
    name = type(error).__name__
    orig = getattr(error, "orig", None)
    if orig is not None:
        name += f" ({type(orig).__name__})"
    statement = getattr(error, "statement", None)
    where = f" [SQL: {statement}]" if statement else ""
    return f"{name}: message withheld (it may quote the values){where}"


def withhold(record: logging.LogRecord) -> None:
    if isinstance(record.args, tuple) and any(map(is_database_error, record.args)):
        record.args = tuple(
            describe(a) if is_database_error(a) else a for a in record.args
        )
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        if any(is_database_error(link) for link in chain(error)):
            record.exc_text = format_withheld(error)
            record.exc_info = None


def chain(error: BaseException) -> list[BaseException]:
    """``error`` and the exceptions it was raised from or while handling,
    the oldest first (the order of a printed traceback)."""
    links: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in links:
        links.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return links[::-1]


def format_withheld(error: BaseException) -> str:
    """The traceback ``logging`` would print, database messages withheld."""
    parts: list[str] = []
    links = chain(error)
    for n, link in enumerate(links):
        if n:
            parts.append(
                "\nThe above exception was the direct cause of the following "
                "exception:\n\n"
                if link.__cause__ is links[n - 1]
                else "\nDuring handling of the above exception, another "
                "exception occurred:\n\n"
            )
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(link.__traceback__))
        if is_database_error(link):
            parts.append(describe(link) + "\n")
        else:
            parts.extend(traceback.format_exception_only(type(link), link))
    return "".join(parts).rstrip("\n")
