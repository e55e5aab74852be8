"""The JSON API for the mobile mini-program at /api/v1/ (flask-smorest).

The OpenAPI document is served at ``/api/v1/openapi.json``. Errors have one
shape everywhere (``code``, ``status``, ``message`` in Chinese, ``errors`` by
field); :mod:`webapp.errors` renders them for the whole application, so this
API does not install flask-smorest's own error handler.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from mobile_api.schemas import ErrorSchema


class MobileApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def __init__(self, *args, **kwargs) -> None:
        self.blueprints: list = []
        super().__init__(*args, **kwargs)

    def register_blueprint(self, blp, **options) -> None:
        super().register_blueprint(blp, **options)
        self.blueprints.append(blp)

    def _register_error_handlers(self) -> None:
        """Leave error rendering to the application's handlers (one shape)."""


def init_app(app: Flask) -> MobileApi:
    """Register the API's blueprints and its OpenAPI document on ``app``."""
    from mobile_api import (
        applications,
        auth,
        documents,
        handoff,
        items,
        kiosk_login,
        notifications,
        offers,
        root,
        staff,
        terminal_agent,
        verify,
    )

    api = MobileApi(
        app,
        spec_kwargs={
            "info": {"description": "秒批秒报 mini-program API（龙湖区）"},
            "servers": [{"url": "/"}],
        },
    )
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "登录令牌"}
    )
    api.spec.components.security_scheme(
        "terminalSecret",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "终端密钥（另带 X-Terminal: 终端编号）",
        },
    )
    api.spec.components.security_scheme(
        "staffBearer",
        {"type": "http", "scheme": "bearer", "description": "工作人员令牌"},
    )
    for module in (
        root,
        auth,
        items,
        applications,
        documents,
        handoff,
        kiosk_login,
        offers,
        staff,
        notifications,
        verify,
        terminal_agent,
    ):
        api.register_blueprint(module.blp)
    return api
