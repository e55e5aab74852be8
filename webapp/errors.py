"""App-level error rendering: JSON under /api/, HTML elsewhere.

Blueprints handle their own domain errors; this catches routing errors (a
blueprint cannot see a 404 for a URL it does not own) and anything unhandled.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from govcore.errors import ConflictError, GovCoreError, NotFoundError, ValidationError

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
}


def status_for(error: GovCoreError) -> int:
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, ValidationError):
        return 422
    if isinstance(error, ConflictError):
        return 409
    return 400


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(status: int, code: str, message: str):
    if wants_json():
        return {"code": code, "status": status, "message": message}, status
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        status = error.code or 500
        code = (error.name or "error").lower().replace(" ", "_")
        return render_error(status, code, MESSAGES.get(status, error.name or "错误"))

    @app.errorhandler(GovCoreError)
    def handle_domain(error: GovCoreError):
        return render_error(status_for(error), error.code, error.message)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        # Never show a stack trace or SQL to a user; the log has the details.
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500, "internal_error", MESSAGES[500])
