"""App-level error rendering: JSON under /api/, HTML elsewhere.

Blueprints handle their own domain errors; this catches routing errors (a
blueprint cannot see a 404 for a URL it does not own) and anything unhandled.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from govcore.errors import (
    AuthenticationError,
    ConflictError,
    GovCoreError,
    NotFoundError,
    PermissionDeniedError,
    StorageFullError,
    ThrottledError,
    TooLargeError,
    UnavailableError,
    UnsupportedMediaError,
    ValidationError,
)

MESSAGES = {
    400: "请求有误",
    403: "无权访问",
    404: "页面不存在",
    405: "不支持的请求方法",
    409: "请求与当前状态冲突",
    413: "上传内容过大",
    422: "提交的内容有误",
    429: "请求过于频繁，请稍后再试",
    500: "系统繁忙，请稍后再试或到窗口咨询",
    503: "服务暂不可用，请稍后再试",
    507: "存储空间不足，暂时无法保存文件，请稍后再试或到窗口咨询",
}

# The database cannot be reached (restarted, network cut, pool exhausted):
# a temporary condition, answered 503 so clients retry, never a 500.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,
)
DATABASE_RETRY_AFTER_S = 2


# Most specific first: UnsupportedMediaError and TooLargeError are ValidationErrors,
# StorageFullError is an UnavailableError.
STATUS_BY_ERROR: tuple[tuple[type[GovCoreError], int], ...] = (
    (StorageFullError, 507),
    (UnsupportedMediaError, 415),
    (TooLargeError, 413),
    (ValidationError, 422),
    (NotFoundError, 404),
    (ConflictError, 409),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (UnavailableError, 503),
    (ThrottledError, 429),
)


def status_for(error: GovCoreError) -> int:
    return next(
        (status for cls, status in STATUS_BY_ERROR if isinstance(error, cls)), 400
    )


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(
    status: int,
    code: str,
    message: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
):
    if wants_json():
        body = {"code": code, "status": status, "message": message}
        body["errors"] = errors or {}
        return body, status, headers or {}
    page = render_template("errors/error.html", status=status, message=message)
    return page, status, headers or {}


def field_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs' nested messages flattened to ``{"a.b": ["…"]}``."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(field_errors(value, name))
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_": [_translate(m) for m in messages]}
    return {prefix or "_": [str(messages)]}


def _translate(message: str) -> str:
    return TRANSLATIONS.get(message, message)


TRANSLATIONS = {
    "Unknown field.": "不允许的字段（unknown field）",
    "Missing data for required field.": "必填（required）",
    "Not a valid string.": "应为文字（not a valid string）",
    "Not a valid boolean.": "应为是/否（not a valid boolean）",
    "Not a valid mapping type.": "应为对象（not a valid mapping）",
    "Field may not be null.": "不能为空（may not be null）",
    "Invalid input type.": "格式不正确（invalid input type）",
}


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        status = error.code or 500
        code = (error.name or "error").lower().replace(" ", "_")
        data = getattr(error, "data", None) or {}
        errors = None
        if "messages" in data:  # webargs: request parsing failed
            code = "invalid_request"
            errors = {
                name: msgs
                for location, messages in data["messages"].items()
                for name, msgs in field_errors(messages).items()
            }
        headers = dict(getattr(error, "get_headers", lambda: [])() or [])
        headers.pop("Content-Type", None)
        return render_error(
            status, code, MESSAGES.get(status, error.name or "错误"), errors, headers
        )

    @app.errorhandler(GovCoreError)
    def handle_domain(error: GovCoreError):
        field = getattr(error, "field", None)
        errors = {field: [error.message]} if field else None
        headers = None
        if isinstance(error, AuthenticationError):
            headers = {"WWW-Authenticate": "Bearer"}
        elif isinstance(error, ThrottledError):
            headers = {"Retry-After": str(error.retry_after)}
        return render_error(
            status_for(error), error.code, error.message, errors, headers
        )

    @app.after_request
    def no_store_for_api(response):
        # API answers carry personal data: never cached (nosniff and the other
        # security headers: webapp.security_headers).
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    register_database_errors(app)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        # Never show a stack trace or SQL to a user; the log has the details.
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500, "internal_error", MESSAGES[500])


def register_database_errors(app: Flask) -> None:
    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, database_unavailable)


def database_unavailable(error: Exception):
    # No stack trace: the cause is outside the app, and the log would fill
    # with one per request while the database is away.
    current_app.logger.warning(
        "database unavailable on %s %s: %s",
        request.method,
        request.path,
        type(getattr(error, "orig", None) or error).__name__,
    )
    return render_error(
        503,
        "database_unavailable",
        "系统暂时无法访问数据库，请稍后重试（database unavailable）",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
    )
