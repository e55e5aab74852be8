"""Choosing a service: categories (6+1), life events, the most used first,
search by pinyin initials on the on-screen keyboard, and each item's guide."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from flask import abort, g, render_template, request

from govcore import catalog
from govcore.applications import usage_counts
from govcore.applications.display import fee_text, guide_material
from govcore.catalog import Category, Channel, ItemVersion
from govcore.catalog.search import MAX_KEYWORD, search_items
from govcore.clock import local_date
from govcore.decisions.proactive import offers_for
from govcore.errors import NotFoundError
from kiosk_app import bp
from kiosk_app.context import require_person

POPULAR_SHOWN = 6
POPULAR_WINDOW = timedelta(days=90)


def kiosk_items() -> list[ItemVersion]:
    return catalog.list_items(on=local_date(g.now), channel=Channel.KIOSK)


@bp.get("/home")
@require_person
def home() -> str:
    versions = kiosk_items()
    used = usage_counts(since=g.now - POPULAR_WINDOW)
    popular = sorted(versions, key=lambda v: (-used.get(v.spec.code, 0), v.spec.code))
    categories = Counter(v.category for v in versions)
    events = Counter(e for v in versions for e in v.spec.life_events)
    offers = [o for o in offers_for(g.person.id_number) if o.status == "offered"]
    return render_template(
        "kiosk/home.html",
        popular=popular[:POPULAR_SHOWN],
        categories=[(c, categories[c]) for c in Category if categories[c]],
        events=[e for e, _ in events.most_common()],
        offers=offers,
        prompt="choose",
    )


@bp.get("/items")
@require_person
def items() -> str:
    category = request.args.get("category")
    event = request.args.get("event")
    keyword = request.args.get("q", "").strip()[:MAX_KEYWORD] or None
    try:
        chosen = Category(category) if category else None
    except ValueError:
        abort(404)
    versions = search_items(
        on=local_date(g.now), channel=Channel.KIOSK, category=chosen, keyword=keyword
    )
    if event:
        versions = [v for v in versions if event in v.spec.life_events]
    title = chosen.label if chosen else event or (keyword and f"“{keyword}”")
    return render_template(
        "kiosk/items.html",
        versions=versions,
        title=title or "全部事项",
        keyword=keyword or "",
        searching="q" in request.args,
        prompt="search" if "q" in request.args else "choose",
    )


@bp.get("/items/<string:code>")
@require_person
def guide(code: str) -> str:
    try:
        version = catalog.get_item_version(code, on=local_date(g.now))
    except NotFoundError:
        abort(404)
    if Channel.KIOSK not in version.spec.channels:
        abort(404)
    spec = version.spec
    return render_template(
        "kiosk/guide.html",
        version=version,
        spec=spec,
        materials=[guide_material(m, spec.tolerance.materials) for m in spec.materials],
        prompt="guide",
    )


@bp.app_template_filter("kiosk_fee")
def _fee_filter(version: ItemVersion) -> str:
    return fee_text(version.spec.fee)
