"""The services the composition root put on the app, for the API's views."""

from __future__ import annotations

from typing import Any

from flask import current_app

from govcore.datahub import DataSource
from govcore.filestore import FileStore
from govcore.workdays import WorkCalendar


def data_source() -> DataSource:
    return current_app.extensions["miaopi.datasource"]


def file_store() -> FileStore:
    return current_app.extensions["miaopi.filestore"]


def calendar() -> WorkCalendar:
    return current_app.extensions["miaopi.calendar"]


def identity_providers() -> dict[str, Any]:
    return current_app.extensions["miaopi.identity"]
