"""Back-office pages."""

from __future__ import annotations

from collections import Counter

from flask import render_template

from govcore import catalog
from govcore.clock import local_date, utcnow
from backoffice import bp


@bp.get("/")
def index():
    """Catalogue overview: every item in force with its reform flags."""
    versions = catalog.list_items(on=local_date(utcnow()))
    by_category = Counter(v.category for v in versions)
    by_miaopi = Counter(v.miaopi.value for v in versions)
    return render_template(
        "admin/index.html",
        versions=versions,
        by_category=[(c, by_category.get(c, 0)) for c in catalog.Category],
        by_miaopi=by_miaopi,
    )
