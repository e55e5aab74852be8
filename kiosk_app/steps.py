"""What the application screens share: the card holder's application by
its id, where a step goes next, and the problem page.

Every ``<application_id>`` is the card holder's own or answers 404
(:func:`govcore.applications.get_application`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, url_for
from flask_babel import gettext as _

from govcore import applications as apps
from govcore.applications import Application, Status
from govcore.errors import ConflictError, GovCoreError
from kiosk_app.context import caller

ONE = "/a/<string:application_id>"


def application_of(application_id: str) -> Application:
    return apps.get_application(application_id, caller())


def go(endpoint: str, application: Application, **values: Any) -> Response:
    return redirect(url_for(endpoint, application_id=application.public_id, **values))


def next_step(application: Application) -> Response:
    """Where an application goes when its step is done: drafts to the
    materials, everything else to its result."""
    if application.status is Status.DRAFT:
        return go("kiosk.materials", application)
    return go("kiosk.result", application)


def problem(error: GovCoreError, back: str | None = None) -> tuple[str, int]:
    status = 409 if isinstance(error, ConflictError) else 422
    return (
        render_template(
            "kiosk/problem.html",
            message=_(error.message),
            back=back or url_for("kiosk.home"),
        ),
        status,
    )
