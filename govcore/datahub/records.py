"""Checking a source record's data against the field dictionary.

Used for sandbox import files and generated populations, so that whatever the
sandbox serves has exactly the shape a rule or a form expects of that source.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from govcore.datahub.fields import SCHEMA


def check_record(source: str, data: Any) -> list[tuple[str, str]]:
    """Return the problems of ``data`` as a record of ``source``.

    :return: ``(path, message)`` pairs; empty when the record is valid.
    """
    if source not in SCHEMA:
        return [(source, f"unknown data source {source!r} (未知数据源)")]
    return list(_check(SCHEMA[source], data, source))


def _check(spec: Any, value: Any, path: str) -> Any:
    if value is None:
        return
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            yield path, "expected an object"
            return
        for key, item in value.items():
            if key not in spec:
                yield f"{path}.{key}", "unknown field (未知数据项)"
            else:
                yield from _check(spec[key], item, f"{path}.{key}")
    elif isinstance(spec, list):
        if not isinstance(value, list):
            yield path, "expected a list"
            return
        for i, item in enumerate(value):
            yield from _check(spec[0], item, f"{path}[{i}]")
    elif not _scalar_ok(spec, value):
        yield path, f"expected {spec}, got {value!r}"


def _scalar_ok(kind: str, value: Any) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "date":
        # ISO 8601 extended form only: "2026-01-31", never "20260131".
        return (
            isinstance(value, str)
            and len(value) == 10
            and _parses(date.fromisoformat, value)
        )
    if kind == "datetime":
        return isinstance(value, str) and _parses(datetime.fromisoformat, value)
    raise AssertionError(f"unknown scalar type {kind}")


def _parses(parse: Any, value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True
