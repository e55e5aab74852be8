"""Use cases of the catalogue: load the files, list and look up items."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from govcore.catalog.files import CatalogData, CatalogFileError, Problem
from govcore.catalog.models import Department, Item, ItemVersion
from govcore.catalog.schema import Category, Channel, ItemDef, VersionStatus
from govcore.db import db
from govcore.errors import NotFoundError

FILE_ACTOR = "catalogue-file"  # versions loaded by ``flask catalog load``


@dataclass
class LoadReport:
    """What :func:`load_catalog` changed."""

    departments: int = 0
    created: list[str] = field(default_factory=list)
    replaced_drafts: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)


def content_hash(item: ItemDef) -> str:
    """Return the SHA-256 of an item definition's canonical JSON form."""
    canonical = json.dumps(
        item.model_dump(mode="json"),
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_catalog(data: CatalogData, *, now: datetime) -> LoadReport:
    """Write a validated catalogue to the database in one transaction.

    Departments are created or updated by code. A version not yet stored is
    added; one stored with the same content is left alone; a stored draft is
    replaced. A published version is immutable: changing it is an error that
    asks for a new version number. Either everything is written or nothing.

    :raise CatalogFileError: if a file tries to change a published version.
    """
    report = LoadReport()
    problems: list[Problem] = []
    try:
        departments = _upsert_departments(data, report)
        for item_def in data.items:
            file = data.files[(item_def.code, item_def.version)]
            problem = _store_version(item_def, departments, file, now, report)
            if problem:
                problems.append(problem)
        if problems:
            raise CatalogFileError(problems)
        db.session.flush()
        _apply_publication(now.date(), report)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report


def _upsert_departments(data: CatalogData, report: LoadReport) -> dict[str, Department]:
    existing = {d.code: d for d in db.session.scalars(sa.select(Department))}
    for spec in data.departments:
        dept = existing.get(spec.code)
        if dept is None:
            dept = Department(code=spec.code)
            db.session.add(dept)
            existing[spec.code] = dept
        for attr in (
            "name",
            "short_name",
            "credit_code",
            "division_code",
            "seal_text",
            "address",
            "phone",
        ):
            setattr(dept, attr, getattr(spec, attr))
        report.departments += 1
    return existing


def _store_version(
    item_def: ItemDef,
    departments: dict[str, Department],
    file: str,
    now: datetime,
    report: LoadReport,
) -> Problem | None:
    label = f"{item_def.code} v{item_def.version}"
    item = db.session.scalar(sa.select(Item).filter_by(code=item_def.code))
    if item is None:
        item = Item(
            code=item_def.code,
            department=departments[item_def.department],
            created_at=now,
        )
        db.session.add(item)
    item.department = departments[item_def.department]
    digest = content_hash(item_def)
    stored = next((v for v in item.versions if v.version == item_def.version), None)
    if stored is not None and stored.content_hash == digest:
        report.unchanged.append(label)
        return None
    if stored is not None and stored.status is not VersionStatus.DRAFT:
        return Problem(
            file,
            item_def.code,
            "version",
            f"version {item_def.version} is {stored.status.value} and cannot "
            f"change; add version {max(v.version for v in item.versions) + 1}"
            "（已发布版本不可修改，请新增版本）",
        )
    if stored is None:
        stored = ItemVersion(item=item, version=item_def.version)
        db.session.add(stored)
        report.created.append(label)
    else:
        report.replaced_drafts.append(label)
    _fill_version(stored, item_def, file, now)
    return None


def _fill_version(
    version: ItemVersion, item_def: ItemDef, file: str, now: datetime
) -> None:
    fill_version(version, item_def, now=now)
    version.source_file = file
    published = item_def.status is VersionStatus.PUBLISHED
    version.published_at = now if published else None
    version.created_by = FILE_ACTOR
    version.published_by = FILE_ACTOR if published else None


def fill_version(version: ItemVersion, item_def: ItemDef, *, now: datetime) -> None:
    """Write ``item_def`` into ``version``: the definition, its hash and the
    columns queries filter on."""
    version.status = item_def.status
    version.effective_from = item_def.effective_from
    version.effective_to = item_def.effective_to
    version.name = item_def.name
    version.category = item_def.category
    version.miaobao = item_def.reform.miaobao
    version.miaopi = item_def.reform.miaopi
    version.proactive = item_def.reform.proactive
    version.definition = item_def.model_dump(mode="json")
    version.content_hash = content_hash(item_def)
    version.loaded_at = now
    version.__dict__.pop("spec", None)


def _apply_publication(today: date, report: LoadReport) -> None:
    """Close each published version when a later one takes effect, and retire it."""
    for item in db.session.scalars(sa.select(Item)):
        published = sorted(
            (v for v in item.versions if v.status is not VersionStatus.DRAFT),
            key=lambda v: v.version,
        )
        for older, newer in zip(published, published[1:]):
            if older.effective_to is None or older.effective_to > newer.effective_from:
                older.effective_to = newer.effective_from
            if older.status is VersionStatus.PUBLISHED and older.effective_to <= today:
                older.status = VersionStatus.RETIRED
                report.retired.append(f"{item.code} v{older.version}")


def list_items(
    *,
    on: date,
    channel: Channel | None = None,
    category: Category | None = None,
    department: str | None = None,
) -> list[ItemVersion]:
    """Return the version in force on ``on`` of every item, filtered, by code."""
    query = (
        sa.select(ItemVersion)
        .join(ItemVersion.item)
        .join(Item.department)
        .where(ItemVersion.status != VersionStatus.DRAFT)
        .where(ItemVersion.effective_from <= on)
        .where(
            sa.or_(ItemVersion.effective_to.is_(None), ItemVersion.effective_to > on)
        )
        .order_by(Item.code)
        # The joins also fill each version's item and department: one query
        # for the list, not one more per item (item_summary reads both).
        .options(contains_eager(ItemVersion.item).contains_eager(Item.department))
    )
    if category is not None:
        query = query.where(ItemVersion.category == category)
    if department is not None:
        query = query.where(Department.code == department)
    versions = list(db.session.scalars(query))
    if channel is not None:
        versions = [v for v in versions if channel in v.spec.channels]
    return versions


def get_item_version(code: str, *, on: date, version: int | None = None) -> ItemVersion:
    """Return the version of item ``code`` in force on ``on`` (or the given one).

    :raise NotFoundError: if the item or version does not exist or is not in force.
    """
    query = (
        sa.select(ItemVersion)
        .join(ItemVersion.item)
        .join(Item.department)
        .where(Item.code == code)
        .options(contains_eager(ItemVersion.item).contains_eager(Item.department))
    )
    if version is not None:
        found = db.session.scalar(query.where(ItemVersion.version == version))
    else:
        found = next((v for v in db.session.scalars(query) if v.in_force_on(on)), None)
    if found is None:
        raise NotFoundError(f"事项 {code} 不存在或未在 {on} 生效（item not found）")
    return found


def count_items() -> int:
    """Return how many items the catalogue holds."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Item)) or 0
