"""The services the composition root put on the app, for the API's views."""

from __future__ import annotations

from typing import Any

from flask import current_app

from govcore.applications import UploadLimits
from govcore.certificates.issuance import DocumentServices, available
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


def documents() -> DocumentServices:
    """:raise UnavailableError: when the signing keys are not installed."""
    return available(current_app.extensions["miaopi.documents"])


def upload_limits() -> UploadLimits:
    return UploadLimits.from_config(current_app.config)
