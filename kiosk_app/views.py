"""Kiosk screens."""

from __future__ import annotations

from itertools import groupby

from flask import render_template

from govcore import catalog
from govcore.clock import local_date, utcnow
from kiosk_app import bp


@bp.get("/")
def index():
    """Welcome screen: the items this terminal offers, by category."""
    versions = catalog.list_items(
        on=local_date(utcnow()), channel=catalog.Channel.KIOSK
    )
    versions.sort(key=lambda v: list(catalog.Category).index(v.category))
    groups = [
        (category, list(items))
        for category, items in groupby(versions, key=lambda v: v.category)
    ]
    return render_template("kiosk/index.html", groups=groups)
