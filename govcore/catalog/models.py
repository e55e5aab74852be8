"""Database models of the catalogue: departments, items and item versions.

An item version is immutable once published: its full definition is stored as
the validated document (``definition``) with its hash, and the columns beside it
are the few that queries and reports filter on.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from govcore.catalog.schema import Category, ItemDef, MiaopiLevel, VersionStatus
from govcore.db import db, str_enum

_DEFINITIONS: dict[str, ItemDef] = {}


def _parsed_definition(version: ItemVersion) -> ItemDef:
    # A published version never changes, so its content hash names its parse;
    # one ItemDef per content also lets the compiled rules be cached by it.
    # The stored document is read (and JSON-decoded, tens of KB) only on a
    # miss: the column is deferred.
    found = _DEFINITIONS.get(version.content_hash)
    if found is None:
        found = ItemDef.model_validate(version.definition)
        if len(_DEFINITIONS) > 1024:
            _DEFINITIONS.clear()
        _DEFINITIONS[version.content_hash] = found
    return found


class Department(db.Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    short_name: Mapped[str] = mapped_column(sa.String(60))
    credit_code: Mapped[str] = mapped_column(sa.String(18))
    division_code: Mapped[str] = mapped_column(sa.String(6))
    seal_text: Mapped[str] = mapped_column(sa.String(120))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")

    items: Mapped[list[Item]] = relationship(back_populates="department")


class Item(db.Model):
    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"))
    created_at: Mapped[datetime]

    department: Mapped[Department] = relationship(back_populates="items")
    versions: Mapped[list[ItemVersion]] = relationship(
        back_populates="item", order_by="ItemVersion.version"
    )


class ItemVersion(db.Model):
    __tablename__ = "item_version"
    __table_args__ = (sa.UniqueConstraint("item_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("item.id"), index=True)
    version: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(str_enum(VersionStatus))
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    name: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[Category] = mapped_column(str_enum(Category, 2))
    miaobao: Mapped[bool]
    miaopi: Mapped[MiaopiLevel] = mapped_column(str_enum(MiaopiLevel, 8))
    proactive: Mapped[bool]
    # Deferred: lists of items need only the columns, and the parse is cached.
    definition: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    source_file: Mapped[str] = mapped_column(sa.String(255), default="")
    loaded_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    # Who made and who published this version ("catalogue-file", "staff:12"),
    # and why it changed (CHANGE_REASONS): the 动态调整情况表 reads them.
    created_by: Mapped[str] = mapped_column(sa.String(60), default="")
    published_by: Mapped[str | None] = mapped_column(sa.String(60))
    change_reason: Mapped[str] = mapped_column(sa.String(20), default="")
    change_note: Mapped[str] = mapped_column(sa.String(300), default="")
    # A draft's last dry run (govcore.decisions.dry_run) with the content hash
    # it was made for: publishing needs one of the content being published.
    dry_run: Mapped[dict[str, Any] | None] = mapped_column(deferred=True)

    item: Mapped[Item] = relationship(back_populates="versions")

    @property
    def spec(self) -> ItemDef:
        """The validated definition of this version (parsed once per content)."""
        return _parsed_definition(self)

    def in_force_on(self, day: date) -> bool:
        """Return whether this version is the published one in force on ``day``."""
        return (
            self.status is not VersionStatus.DRAFT
            and self.effective_from <= day
            and (self.effective_to is None or day < self.effective_to)
        )
