"""The shared-data port: what a data source (数据共享接口) promises the core.

A source answers one question: "what do you hold about this subject?" The
subject is a person (公民身份号码) or an organisation (统一社会信用代码). Every
answer carries its provenance so a decision can say where each value came from.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from govcore.errors import GovCoreError


class DataSourceError(GovCoreError):
    """Base class of errors raised by data sources."""

    code = "data_source_error"

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


class NoRecordError(DataSourceError):
    """The source answered and confirms it holds no record for the subject."""

    code = "no_record"


class SourceUnavailableError(DataSourceError):
    """The source could not answer: down, slow, broken, or circuit open.

    Nothing may be concluded from it; callers must fail closed.
    """

    code = "source_unavailable"


class HolderMismatchError(SourceUnavailableError):
    """The source answered about someone else; the answer must not be used."""

    code = "holder_mismatch"


@dataclass(frozen=True)
class Provenance:
    """Where a value came from: the source, its record id and when it was read."""

    source: str
    record_id: str
    fetched_at: datetime


@dataclass(frozen=True)
class SourceRecord:
    """One source's record about one subject."""

    source: str
    subject_id: str
    record_id: str
    fetched_at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def provenance(self) -> Provenance:
        return Provenance(self.source, self.record_id, self.fetched_at)


@dataclass(frozen=True)
class ProvenancedValue:
    """A single field value together with its provenance."""

    path: str
    value: Any
    provenance: Provenance


class DataSource(abc.ABC):
    """A shared-data source such as 户籍 (HK) or 民政 (CA).

    Adapters: the database-backed sandbox (demos and tests) and the HTTP
    gateway of the provincial data-sharing platform (production).
    """

    @abc.abstractmethod
    def fetch(self, source: str, subject_id: str, *, now: datetime) -> SourceRecord:
        """Return what ``source`` holds about ``subject_id``.

        :param source: a source code from :data:`govcore.datahub.fields.SOURCES`.
        :param subject_id: a normalised 18-character ID number or credit code.
        :param now: the time recorded as ``fetched_at``.
        :return: the record, whose ``subject_id`` equals the one asked for.
        :raise NoRecordError: if the source confirms it holds nothing.
        :raise SourceUnavailableError: if the source cannot answer; also
            :class:`HolderMismatchError` when it answers about someone else.
        """
        raise NotImplementedError


class SubjectDirectory(abc.ABC):
    """Lists whom a source holds records about, for proactive grants (免申即享)
    and dry runs. The sandbox has one; a provincial gateway usually pushes
    lists instead, so the gateway adapter does not implement it."""

    @abc.abstractmethod
    def subjects(self, source: str, *, limit: int | None = None) -> list[str]:
        """Subject ids with a record in ``source``, in a stable order."""
        raise NotImplementedError
