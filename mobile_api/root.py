"""The API's index."""

from __future__ import annotations

from typing import Any

from flask import url_for
from mobile_api.blueprint import Blueprint

import govcore

blp = Blueprint("root", __name__, url_prefix="/api/v1", description="接口索引")


@blp.route("/")
@blp.response(200)
def index() -> dict[str, Any]:
    """本接口提供的资源"""
    return {
        "name": "miaopi 秒批秒报 mobile API",
        "version": govcore.__version__,
        "links": {
            "items": url_for("items.list_items"),
            "applications": url_for("applications.Applications"),
            "openapi": "/api/v1/openapi.json",
        },
    }
