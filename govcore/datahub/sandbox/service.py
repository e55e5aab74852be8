"""Use cases of the sandbox registry: import, inspect, and serve as a data source."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa

from govcore.datahub.ports import (
    DataSource,
    NoRecordError,
    SourceRecord,
    SourceUnavailableError,
    SubjectDirectory,
)
from govcore.datahub.fields import SOURCES
from govcore.datahub.sandbox.files import Subject, validate_sandbox_document
from govcore.datahub.sandbox.generator import generate_population
from govcore.datahub.sandbox.models import SandboxRecord
from govcore.db import db
from govcore.errors import ValidationError

# Record ids are derived from (source, subject) so they are stable across
# re-imports and never contain the subject's ID number.
_RECORD_NAMESPACE = uuid.UUID("7f1f3c52-5b1c-4d2e-9d6a-2f0e4c1b8a90")


def record_id_for(source: str, subject_id: str) -> str:
    return (
        f"{source}-{uuid.uuid5(_RECORD_NAMESPACE, f'{source}:{subject_id}').hex[:20]}"
    )


def import_subjects(subjects: Iterable[Subject], *, now: datetime) -> int:
    """Store the subjects' records, replacing every record of the same subjects.

    Runs in one transaction: either the whole file is imported or nothing.

    :return: how many records were written.
    """
    subjects = list(subjects)
    written = 0
    try:
        ids = [s.subject_id for s in subjects]
        for chunk in _chunks(ids, 500):
            db.session.execute(
                sa.delete(SandboxRecord).where(SandboxRecord.subject_id.in_(chunk))
            )
        rows = [
            {
                "source": source,
                "subject_id": subject.subject_id,
                "record_id": record_id_for(source, subject.subject_id),
                "data": data,
                "updated_at": now,
            }
            for subject in subjects
            for source, data in subject.records.items()
        ]
        for chunk in _chunks(rows, 1000):
            db.session.execute(sa.insert(SandboxRecord), chunk)
        written = len(rows)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return written


def generate_into_sandbox(
    people: int, *, seed: int, today: date, now: datetime
) -> tuple[int, int]:
    """Generate a synthetic population and import it (see :mod:`.generator`).

    The generated document goes through the same validation as an imported
    file, so the sandbox never serves a record a real file could not hold.

    :return: the number of subjects and of records written.
    """
    document = generate_population(people, seed=seed, today=today)
    subjects = validate_sandbox_document(document, file="<generated>", today=today)
    return len(subjects), import_subjects(subjects, now=now)


def _chunks(values: list, size: int) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def describe_subject(subject_id: str) -> dict[str, SandboxRecord]:
    """Return every source's record about ``subject_id``, by source code."""
    rows = db.session.scalars(
        sa.select(SandboxRecord)
        .where(SandboxRecord.subject_id == subject_id)
        .order_by(SandboxRecord.source)
    )
    return {row.source: row for row in rows}


def count_records() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SandboxRecord)) or 0


def count_people() -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(SandboxRecord).filter_by(source="HK")
        )
        or 0
    )


class SandboxDataSource(DataSource, SubjectDirectory):
    """A data source backed by the sandbox tables, for demos and tests.

    :param unavailable: source codes that act as down (raise
        :class:`SourceUnavailableError`), to exercise the fail-closed paths.
    """

    def __init__(self, *, unavailable: Iterable[str] = ()) -> None:
        self.unavailable = frozenset(unavailable)

    def fetch(self, source: str, subject_id: str, *, now: datetime) -> SourceRecord:
        if source not in SOURCES:
            raise ValidationError(
                f"unknown data source {source!r}", code="unknown_source"
            )
        if source in self.unavailable:
            raise SourceUnavailableError(source, "sandbox source switched off")
        row = db.session.scalar(
            sa.select(SandboxRecord).filter_by(source=source, subject_id=subject_id)
        )
        if row is None:
            raise NoRecordError(source, "no record for this subject")
        return SourceRecord(source, subject_id, row.record_id, now, dict(row.data))

    def subjects(self, source: str, *, limit: int | None = None) -> list[str]:
        query = (
            sa.select(SandboxRecord.subject_id)
            .where(SandboxRecord.source == source)
            .order_by(SandboxRecord.subject_id)
            .limit(limit)
        )
        return list(db.session.scalars(query))
