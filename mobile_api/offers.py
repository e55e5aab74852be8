"""免申即享: services the system found the person qualifies for."""

from __future__ import annotations

from typing import Any

from mobile_api.blueprint import Blueprint
from marshmallow import Schema, fields

from govcore.applications import Caller
from govcore.catalog import get_item_version
from govcore.clock import local_date, utcnow
from govcore.decisions import proactive
from mobile_api.auth import BEARER, authenticated, require_login
from mobile_api.present import application_detail
from mobile_api.schemas import ApplicationSchema, error_responses
from mobile_api.services import calendar, data_source, documents

blp = Blueprint("offers", __name__, url_prefix="/api/v1", description="免申即享")
blp.before_request(require_login)


class OfferSchema(Schema):
    id = fields.String()
    item_code = fields.String()
    item_name = fields.String()
    status = fields.String(metadata={"description": "offered / accepted / granted"})
    ready = fields.Boolean(
        metadata={
            "description": "true：确认后当场办结；false：确认后还需补充表单或材料"
        }
    )
    created_at = fields.DateTime()
    application_id = fields.String(allow_none=True)


class OfferListSchema(Schema):
    offers = fields.List(fields.Nested(OfferSchema))


@blp.route("/offers")
@blp.doc(security=BEARER)
@blp.response(200, OfferListSchema)
@error_responses(blp, 401)
@authenticated
def list_offers(caller: Caller) -> dict[str, Any]:
    """系统主动推送给我的服务（免申即享）"""
    today = local_date(utcnow())
    offers = []
    for offer in proactive.offers_for(caller.id_number):
        application = proactive.application_of(offer)
        offers.append(
            {
                "id": offer.public_id,
                "item_code": offer.item_code,
                "item_name": get_item_version(offer.item_code, on=today).spec.name,
                "status": offer.status,
                "ready": offer.ready,
                "created_at": offer.created_at,
                "application_id": application.public_id if application else None,
            }
        )
    return {"offers": offers}


@blp.route("/offers/<string:offer_id>/accept", methods=["POST"])
@blp.doc(security=BEARER)
@blp.response(201, ApplicationSchema)
@error_responses(blp, 401, 404, 409)
@authenticated
def accept_offer(offer_id: str, caller: Caller) -> dict[str, Any]:
    """一键确认：系统自动填表、提交并审批"""
    application = proactive.accept_offer(
        offer_id,
        caller,
        source=data_source(),
        calendar=calendar(),
        documents=documents(),
        now=utcnow(),
    )
    return application_detail(application)
