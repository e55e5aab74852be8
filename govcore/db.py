"""The SQLAlchemy 2 declarative base and the unbound ``db`` extension object.

This is the only module of the core that imports ``flask_sqlalchemy``. Models use
typed mappings (``Mapped[...]``); constraint names follow one convention so that
Alembic migrations are the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no timezone type; values are stored naive in UTC and come back
    aware, so comparisons never mix naive and aware datetimes.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Any
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(timezone.utc)

    def process_result_value(
        self, value: datetime | None, dialect: Any
    ) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


# JSON documents: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JSONDocument = sa.JSON().with_variant(JSONB(), "postgresql")


def str_enum(enum_cls: Any, length: int = 16) -> sa.Enum:
    """A string enum stored as its values in a VARCHAR with a CHECK constraint."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    # Flask-SQLAlchemy subclasses the base, so the map lives on an explicit registry.
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), dict[str, Any]: JSONDocument},
    )


db = SQLAlchemy(model_class=Base)


def dialect_insert(model: Any) -> Any:
    """An INSERT with ``on_conflict_*`` for the session's backend (both have it)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def next_in_sequence(counter: type[Base], key_column: str, key: str) -> int:
    """Advance the counter row ``key`` of table ``counter`` (columns
    ``key_column`` and ``last``) by one and return the new value.

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (an upsert, one round
    trip): PostgreSQL locks the row until the transaction ends and SQLite
    locks the database, so concurrent transactions never get the same value.
    A rolled-back one leaves a gap, which numbers that need only be unique
    can afford.
    """
    return db.session.execute(
        dialect_insert(counter)
        .values({key_column: key, "last": 1})
        .on_conflict_do_update(
            index_elements=[key_column], set_={"last": counter.last + 1}
        )
        .returning(counter.last)
    ).scalar_one()
