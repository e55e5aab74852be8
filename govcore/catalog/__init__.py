"""The item catalogue (事项目录): departments, items, versions and their files."""

from govcore.catalog.files import CatalogData, CatalogFileError, Problem, read_catalog
from govcore.catalog.models import Department, Item, ItemVersion
from govcore.catalog.schema import (
    CATEGORY_LABELS,
    Category,
    Channel,
    ItemDef,
    MiaopiLevel,
    VersionStatus,
)
from govcore.catalog.service import (
    LoadReport,
    content_hash,
    count_items,
    get_item_version,
    list_items,
    load_catalog,
)

__all__ = [
    "CATEGORY_LABELS",
    "CatalogData",
    "CatalogFileError",
    "Category",
    "Channel",
    "Department",
    "Item",
    "ItemDef",
    "ItemVersion",
    "LoadReport",
    "MiaopiLevel",
    "Problem",
    "VersionStatus",
    "content_hash",
    "count_items",
    "get_item_version",
    "list_items",
    "load_catalog",
    "read_catalog",
]
