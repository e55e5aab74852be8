"""消息中心: the in-app inbox of the logged-in person."""

from __future__ import annotations

from typing import Any

from mobile_api.blueprint import Blueprint
from marshmallow import Schema, fields, validate

from govcore import notifications
from govcore.applications import Caller
from govcore.clock import utcnow
from govcore.notifications import InboxItem
from mobile_api.auth import BEARER, authenticated, require_login
from mobile_api.schemas import error_responses

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="消息中心")
blp.before_request(require_login)


class NotificationQuerySchema(Schema):
    limit = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=100),
        metadata={"description": "最多返回条数（1–100）"},
    )


class NotificationSchema(Schema):
    id = fields.String()
    kind = fields.String(metadata={"description": "如 decision_approve"})
    title = fields.String()
    body = fields.String()
    application_id = fields.String(allow_none=True)
    offer_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read = fields.Boolean()
    read_at = fields.DateTime(allow_none=True)


class NotificationListSchema(Schema):
    notifications = fields.List(fields.Nested(NotificationSchema))
    unread = fields.Integer(metadata={"description": "未读条数"})


def _out(item: InboxItem) -> dict[str, Any]:
    return {
        "id": item.public_id,
        "kind": item.kind,
        "title": item.title,
        "body": item.body,
        "application_id": item.application_public_id,
        "offer_id": item.offer_public_id,
        "created_at": item.created_at,
        "read": item.read_at is not None,
        "read_at": item.read_at,
    }


@blp.route("/notifications")
@blp.doc(security=BEARER)
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, NotificationListSchema)
@error_responses(blp, 401)
@authenticated
def list_notifications(query: dict[str, Any], caller: Caller) -> dict[str, Any]:
    """我的消息：最新的在前，含已读/未读"""
    items = notifications.list_inbox(caller.id_number, limit=query["limit"])
    return {
        "notifications": [_out(item) for item in items],
        "unread": notifications.count_unread(caller.id_number),
    }


@blp.route("/notifications/<string:notification_id>/read", methods=["POST"])
@blp.doc(security=BEARER)
@blp.response(200, NotificationSchema)
@error_responses(blp, 401, 404)
@authenticated
def mark_read(notification_id: str, caller: Caller) -> dict[str, Any]:
    """标记为已读"""
    item = notifications.mark_read(notification_id, caller.id_number, now=utcnow())
    return _out(item)
