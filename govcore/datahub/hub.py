"""Reading shared data with provenance: the core's one way into the data sources.

A :class:`DataLookup` serves one use case (one request): it asks each source at
most once per subject and remembers the answer, including "no record" and
"unavailable", so a form with ten fields from 户籍 costs one call to 户籍.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from govcore.datahub.fields import field_type
from govcore.datahub.ports import (
    DataSource,
    DataSourceError,
    NoRecordError,
    Provenance,
    ProvenancedValue,
    SourceRecord,
)

ADAPTERS = {
    "sandbox": "govcore.datahub.sandbox.service:SandboxDataSource",
    "gateway": "govcore.datahub.gateway:GatewayDataSource",
}


def make_data_source(config: Mapping[str, Any]) -> DataSource:
    """Build the data source named by ``DATAHUB_ADAPTER`` in ``config``.

    :raise ValueError: if the adapter name is unknown.
    """
    name = config.get("DATAHUB_ADAPTER", "sandbox")
    try:
        module_name, _, attr = ADAPTERS[name].partition(":")
    except KeyError:
        raise ValueError(
            f"unknown DATAHUB_ADAPTER {name!r}; choose one of {sorted(ADAPTERS)}"
        ) from None
    cls = getattr(importlib.import_module(module_name), attr)
    if name == "gateway":
        from govcore.datahub.gateway_settings import GatewaySettings

        return cls(GatewaySettings.from_mapping(config))
    return cls(unavailable=config.get("DATAHUB_SANDBOX_UNAVAILABLE", ()))


@dataclass(frozen=True)
class ELicence:
    """A valid electronic licence (电子证照) found in the licence library."""

    type: str
    number: str
    issuer: str
    issued_on: date | None
    valid_to: date | None
    provenance: Provenance


class DataLookup:
    """Reads shared data for one use case, remembering every answer.

    :param source: the data source adapter.
    :param now: the time of the use case, recorded as ``fetched_at``.
    """

    def __init__(self, source: DataSource, *, now: datetime) -> None:
        self.source = source
        self.now = now
        self._answers: dict[tuple[str, str], SourceRecord | DataSourceError] = {}

    def record(self, source: str, subject_id: str) -> SourceRecord:
        """Return ``source``'s record about ``subject_id``.

        :raise NoRecordError: if the source holds none.
        :raise SourceUnavailableError: if the source cannot answer.
        """
        key = (source, subject_id)
        if key not in self._answers:
            try:
                self._answers[key] = self.source.fetch(source, subject_id, now=self.now)
            except DataSourceError as exc:
                self._answers[key] = exc
        answer = self._answers[key]
        if isinstance(answer, DataSourceError):
            raise answer
        return answer

    def value(self, path: str, subject_id: str) -> ProvenancedValue:
        """Return the value at ``path`` (e.g. ``HK.address``) with its provenance.

        A field the record does not contain gives ``None``: the source answered
        and holds no value, which is not the same as the source being down.

        :raise ValidationError: if ``path`` is not a declared source field.
        :raise NoRecordError: if the source holds no record for the subject.
        :raise SourceUnavailableError: if the source cannot answer.
        """
        field_type(path)
        source, _, rest = path.partition(".")
        record = self.record(source, subject_id)
        return ProvenancedValue(path, _walk(record.data, rest), record.provenance)

    def elicences(self, holder_id: str, *, on: date) -> list[ELicence]:
        """Return the holder's valid e-licences on ``on`` (none if no record).

        :raise SourceUnavailableError: if the licence library cannot answer.
        """
        try:
            record = self.record("EL", holder_id)
        except NoRecordError:
            return []
        return [
            licence
            for raw in record.data.get("licences", [])
            if (licence := _licence(raw, record.provenance)) is not None
            and _valid_on(raw, licence, on)
        ]

    def find_elicence(
        self, holder_id: str, licence_type: str, *, on: date
    ) -> ELicence | None:
        """Return the holder's valid e-licence of ``licence_type``, if any."""
        return next(
            (
                lic
                for lic in self.elicences(holder_id, on=on)
                if lic.type == licence_type
            ),
            None,
        )


def _walk(data: Any, rest: str) -> Any:
    for segment in rest.split(".") if rest else ():
        if isinstance(data, list):
            return [_walk(item, segment) for item in data]
        if not isinstance(data, dict):
            return None
        data = data.get(segment)
    return data


def _licence(raw: dict[str, Any], provenance: Provenance) -> ELicence | None:
    if not raw.get("type") or not raw.get("number"):
        return None
    return ELicence(
        type=raw["type"],
        number=raw["number"],
        issuer=raw.get("issuer", ""),
        issued_on=_date(raw.get("issued_on")),
        valid_to=_date(raw.get("valid_to")),
        provenance=provenance,
    )


def _valid_on(raw: dict[str, Any], licence: ELicence, on: date) -> bool:
    return raw.get("status", "VALID") == "VALID" and (
        licence.valid_to is None or licence.valid_to >= on
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
