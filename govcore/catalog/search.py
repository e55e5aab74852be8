"""Finding items by what people type: words, or pinyin initials (``gljt``).

Elderly users and phone keyboards both favour short input, so besides plain
substrings the search matches the pinyin initials of an item's names and
keywords, e.g. ``gljt`` finds 高龄老人津贴申领 through its keywords 高龄, 津贴
(initials of the keywords run together). pypinyin does the
conversion; the catalogue is small (tens of items), so matching in Python is
simpler and fast enough.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from govcore.catalog.models import ItemVersion
from govcore.catalog.schema import Category, Channel
from govcore.catalog.service import list_items

MAX_KEYWORD = 40


@lru_cache(maxsize=4096)
def initials(text: str) -> str:
    """``"高龄津贴"`` → ``"gljt"`` (other characters dropped)."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")
    return "".join(ch for ch in "".join(letters).lower() if ch.isalnum())


def match_rank(version: ItemVersion, keyword: str) -> int | None:
    """How well ``keyword`` matches an item: 0 best, ``None`` for no match."""
    spec = version.spec
    names = [spec.name, spec.handling_item_name, spec.sub_item_name]
    words = [*spec.keywords, *spec.life_events, version.item.department.name]
    if any(keyword in n for n in names if n):
        return 0
    if any(keyword in w for w in words):
        return 1
    if not keyword.isascii():
        return None
    keyword = keyword.lower()
    spelled = [initials(n) for n in names if n] + [initials("".join(spec.keywords))]
    if any(keyword in s for s in spelled) or any(keyword == initials(w) for w in words):
        return 2
    return None


def search_items(
    *,
    on: date,
    channel: Channel | None = None,
    category: Category | None = None,
    department: str | None = None,
    keyword: str | None = None,
) -> list[ItemVersion]:
    """Items in force on ``on``, filtered, best keyword matches first."""
    versions = list_items(
        on=on, channel=channel, category=category, department=department
    )
    keyword = (keyword or "").strip()[:MAX_KEYWORD]
    if not keyword:
        return versions
    ranked = [(match_rank(v, keyword), i, v) for i, v in enumerate(versions)]
    return [v for rank, _, v in sorted(r for r in ranked if r[0] is not None)]
