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


class CreditRegister(abc.ABC):
    """Where the district reports dishonesty to the credit source (信用, ``CR``).

    A finding of a false commitment (告知承诺不实) is written in the same
    transaction as the revocation it causes: an adapter writes through the
    database session it shares with the core and never commits. An adapter to
    a remote credit platform must therefore not call out from here; it would
    write an outbox row that a worker delivers after the commit.
    """

    @abc.abstractmethod
    def record_false_commitment(
        self, subject_id: str, *, application_ref: str, reason: str, now: datetime
    ) -> None:
        """Record that ``subject_id`` made a false commitment.

        :param subject_id: the normalised ID number or unified credit code of
            whoever committed (the organisation when one applied).
        :param application_ref: the 办件编号 the commitment was made in.
        :param reason: what the check found, in plain words (no ID numbers).
        :param now: when it is recorded.
        :raise SourceUnavailableError: if the register cannot take the record;
            the caller's transaction must then be rolled back.
        """
        raise NotImplementedError
