"""The services the composition root put on the app, for the API's views."""

from __future__ import annotations

from typing import Any

from flask import current_app

from govcore.certificates.issuance import DocumentServices
from govcore.datahub import DataSource
from govcore.errors import UnavailableError
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
    services = current_app.extensions["miaopi.documents"]
    if services is None:
        raise UnavailableError(
            "电子文书签发服务暂不可用，请到窗口办理（no signing key）"
        )
    return services
