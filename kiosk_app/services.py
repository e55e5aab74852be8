"""The services the composition root put on the app, for the kiosk's views
(one line each; the phone API has the same few lines: edges do not import
each other)."""

from __future__ import annotations

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


def documents() -> DocumentServices:
    """:raise UnavailableError: when the signing keys are not installed."""
    return available(current_app.extensions["miaopi.documents"])


def upload_limits() -> UploadLimits:
    return UploadLimits.from_config(current_app.config)
