"""Logging in and out, and the bearer-token check every other view uses."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request
from flask.views import MethodView
from mobile_api.blueprint import Blueprint

from govcore import notifications
from govcore.applications import Caller, ChannelKind
from govcore.clock import utcnow
from govcore.db import db
from govcore.errors import AuthenticationError, NotFoundError
from govcore.identity import (
    MOBILE_POLICY,
    Identity,
    UserSession,
    end_session,
    open_session,
    resolve_session,
)
from govcore.privacy import mask_id_number, mask_name
from mobile_api.schemas import (
    error_responses,
    DevLoginSchema,
    ErrorSchema,
    MiniProgramLoginSchema,
    TokenSchema,
    UserSchema,
)
from mobile_api.services import identity_providers

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="登录与会话")
BEARER = [{"bearer": []}]


def current_session() -> UserSession:
    """The live session of the request's bearer token.

    :raise AuthenticationError: without a valid ``Authorization: Bearer`` token.
    """
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("请先登录（missing bearer token）")
    session = resolve_session(token.strip(), now=utcnow())
    if db.session.is_modified(session):
        db.session.commit()  # the activity time, at most every few seconds
    return session


def current_caller() -> Caller:
    """The request's :class:`Caller`, resolved from its bearer token once.

    A plain value, so the views' commits (which expire ORM objects) never make
    the session row be read again.
    """
    caller = g.get("caller")
    if caller is None:
        session = current_session()
        caller = g.caller = Caller(
            id_number=session.id_number,
            name=session.name,
            channel=ChannelKind(session.channel),
            terminal_id=session.terminal_id,
            session_id=session.id,
        )
    return caller


def require_login() -> None:
    """``before_request`` of the blueprints that need a login: 401 comes before
    any parsing of the request body."""
    current_caller()


def authenticated(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` with ``caller`` (a :class:`Caller`) for the token's person."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(*args, caller=current_caller(), **kwargs)

    return wrapper


def _login(provider_name: str, credentials: dict[str, Any]) -> dict[str, Any]:
    provider = identity_providers().get(provider_name)
    if provider is None:
        raise NotFoundError("该登录方式未启用（login method not enabled）")
    now = utcnow()
    identity: Identity = provider.authenticate(credentials, now=now)
    notifications.record_subscriber(identity, now=now)  # the openid, if any
    token, session = open_session(
        identity, channel=ChannelKind.MOBILE.value, now=now, policy=MOBILE_POLICY
    )
    answer = {
        "token": token,
        "expires_at": session.expires_at,
        "idle_timeout_seconds": session.idle_seconds,
        "user": _user(session),
    }
    db.session.commit()  # the answer was read before: no reload after the commit
    return answer


def _user(session: UserSession) -> dict[str, Any]:
    return {
        "name_masked": mask_name(session.name),
        "id_number_masked": mask_id_number(session.id_number),
        "provider": session.provider,
        "channel": session.channel,
    }


@blp.route("/auth/dev-login", methods=["POST"])
@blp.arguments(DevLoginSchema)
@blp.response(201, TokenSchema)
@error_responses(blp, 401, 429)
@blp.alt_response(404, schema=ErrorSchema, description="开发登录未启用")
def dev_login(credentials: dict[str, Any]) -> dict[str, Any]:
    """开发登录：以身份证号和姓名登录（仅演示与测试环境）"""
    return _login("dev", credentials)


@blp.route("/auth/miniprogram-login", methods=["POST"])
@blp.arguments(MiniProgramLoginSchema)
@blp.response(201, TokenSchema)
@error_responses(blp, 401, 429, 503)
def miniprogram_login(credentials: dict[str, Any]) -> dict[str, Any]:
    """小程序登录：用 wx.login 的一次性 code 换取登录令牌（实名）"""
    return _login("miniprogram", credentials)


@blp.route("/auth/logout")
class Logout(MethodView):
    @blp.doc(security=BEARER)
    @blp.response(204)
    @error_responses(blp, 401)
    def post(self) -> None:
        """退出登录：令牌立即失效"""
        session = current_session()
        end_session(session, reason="logout", now=utcnow())
        db.session.commit()


@blp.route("/me")
class Me(MethodView):
    @blp.doc(security=BEARER)
    @blp.response(200, UserSchema)
    @error_responses(blp, 401)
    def get(self) -> dict[str, Any]:
        """当前登录用户（已脱敏）"""
        return _user(current_session())
