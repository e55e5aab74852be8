"""API endpoints."""

from __future__ import annotations

from flask import url_for

import govcore
from govcore import catalog
from govcore.clock import local_date, utcnow
from mobile_api import bp


@bp.get("/")
def index():
    """What this API offers."""
    return {
        "name": "miaopi 秒批秒报 mobile API",
        "version": govcore.__version__,
        "links": {"items": url_for("api.list_items", _external=False)},
    }


@bp.get("/items")
def list_items():
    """Items offered on the mobile channel, in force today."""
    versions = catalog.list_items(
        on=local_date(utcnow()), channel=catalog.Channel.MOBILE
    )
    return {
        "items": [
            {
                "code": v.item.code,
                "version": v.version,
                "name": v.name,
                "category": v.category.value,
                "category_label": v.category.label,
                "department": v.item.department.short_name,
                "miaobao": v.miaobao,
                "miaopi": v.miaopi.value,
                "proactive": v.proactive,
            }
            for v in versions
        ]
    }
