"""扫码续办: a kiosk draft continued on the phone."""

from __future__ import annotations

from typing import Any

from flask import url_for
from mobile_api.blueprint import Blueprint

from govcore import applications as apps
from govcore.applications import Caller, ChannelKind
from govcore.clock import utcnow
from govcore.errors import ConflictError
from mobile_api.auth import BEARER, authenticated, require_login
from mobile_api.present import application_detail
from mobile_api.schemas import (
    error_responses,
    ApplicationSchema,
    HandoffClaimSchema,
    HandoffSchema,
)

blp = Blueprint("handoff", __name__, url_prefix="/api/v1", description="扫码续办")
blp.before_request(require_login)


@blp.route("/applications/<string:application_id>/handoff", methods=["POST"])
@blp.doc(security=BEARER)
@blp.response(201, HandoffSchema)
@error_responses(blp, 401, 404, 409)
@authenticated
def create_handoff(application_id: str, caller: Caller) -> dict[str, Any]:
    """生成一次性续办码（5分钟内有效），终端以二维码显示"""
    application = apps.get_application(application_id, caller)
    if caller.channel is ChannelKind.MOBILE:
        raise ConflictError(
            "已在手机上办理，无需转移（already on the phone）", code="already_mobile"
        )
    code, expires_at = apps.create_handoff(application, caller, now=utcnow())
    return {
        "code": code,
        "expires_at": expires_at,
        "claim_url": url_for("handoff.claim_handoff"),
    }


@blp.route("/handoff/claim", methods=["POST"])
@blp.doc(security=BEARER)
@blp.arguments(HandoffClaimSchema)
@blp.response(200, ApplicationSchema)
@error_responses(blp, 401, 404, 422, 429)
@authenticated
def claim_handoff(body: dict[str, Any], caller: Caller) -> dict[str, Any]:
    """手机扫码后继续办理终端上的草稿（终端会话随即结束）"""
    return application_detail(apps.claim_handoff(body["code"], caller, now=utcnow()))
