"""The item catalogue as the phone sees it: search and the service guide."""

from __future__ import annotations

from typing import Any

from mobile_api.blueprint import Blueprint

from govcore import catalog
from govcore.catalog import Category, Channel
from govcore.catalog.search import search_items
from govcore.clock import local_date, utcnow
from mobile_api.present import item_detail, item_summary
from mobile_api.schemas import (
    error_responses,
    ItemDetailSchema,
    ItemListSchema,
    ItemQuerySchema,
)

blp = Blueprint("items", __name__, url_prefix="/api/v1", description="事项与办事指南")


@blp.route("/items")
@blp.arguments(ItemQuerySchema, location="query")
@blp.response(200, ItemListSchema)
def list_items(query: dict[str, Any]) -> dict[str, Any]:
    """查找事项：按类别、部门、关键词或拼音首字母（如 gljt）"""
    category = query.get("category")
    versions = search_items(
        on=local_date(utcnow()),
        channel=Channel.MOBILE,
        category=Category(category) if category else None,
        department=query.get("department"),
        keyword=query.get("q"),
    )
    return {"items": [item_summary(v) for v in versions]}


@blp.route("/items/<string:code>")
@blp.response(200, ItemDetailSchema)
@error_responses(blp, 404)
def get_item(code: str) -> dict[str, Any]:
    """办事指南：条件、材料、时限、收费、渠道"""
    return item_detail(catalog.get_item_version(code, on=local_date(utcnow())))
