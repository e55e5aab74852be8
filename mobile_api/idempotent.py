"""The ``Idempotency-Key`` request header, for operations that must happen once.

See :mod:`govcore.applications.idempotency` for the rules. This decorator goes
above flask-smorest's ``arguments``/``response`` decorators, so it sees the
final response (status and JSON body) and can replay it.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, jsonify, request

from govcore.applications import idempotency
from govcore.clock import utcnow
from govcore.errors import GovCoreError
from mobile_api.auth import current_caller

HEADER = "Idempotency-Key"

logger = logging.getLogger(__name__)


# Declared on the responses of idempotent operations (OpenAPI).
REPLAYED_HEADER = {
    "Idempotent-Replayed": {
        "description": "true：同一 Idempotency-Key 的重复请求，返回的是首次请求的结果",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


def key_parameter(required: bool) -> dict:
    """The header as an OpenAPI parameter, for ``blp.doc(parameters=[…])``."""
    return {
        "in": "header",
        "name": HEADER,
        "required": required,
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        "description": "同一键重复请求时返回首次结果（Idempotent-Replayed: true）",
    }


def idempotent(*, required: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            caller = current_caller()  # who asks comes first (401)
            key = request.headers.get(HEADER)
            if key is None:
                if required:
                    raise GovCoreError(
                        f"请求须带 {HEADER} 请求头（missing {HEADER}）",
                        code="idempotency_key_required",
                    )
                return view(*args, **kwargs)
            body = request.get_json(silent=True)
            started = idempotency.begin(
                caller.id_number,
                key,
                idempotency.fingerprint(request.method, request.path, body),
                now=utcnow(),
                lease=timedelta(seconds=current_app.config["IDEMPOTENCY_LEASE_S"]),
            )
            if isinstance(started, idempotency.Replay):
                response = jsonify(started.body)
                response.status_code = started.status_code
                response.headers["Idempotent-Replayed"] = "true"
                return response
            try:
                with idempotency.marking_work(started, now=utcnow()):
                    response = view(*args, **kwargs)
            except BaseException:
                _free_key(started)
                raise
            assert isinstance(response, Response)
            idempotency.finish(
                started, response.status_code, response.get_json() or {}, now=utcnow()
            )
            return response

        return wrapper

    return decorate


def _free_key(reservation: idempotency.Reservation) -> None:
    """Free the key after a failure, if the database lets us.

    When the failure is the database itself (gone mid-request), freeing fails
    too: the key then stays in flight until the lease runs out (see
    :mod:`govcore.applications.idempotency`), and the client sees the first
    error, not this one.
    """
    try:
        idempotency.finish(reservation, 500, {}, now=utcnow())
    except sa.exc.SQLAlchemyError as error:
        logger.warning(
            "idempotency key %d not freed (%s); it waits for its lease",
            reservation.id,
            type(error).__name__,
        )
