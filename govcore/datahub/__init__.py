"""Shared data (数据共享): sources, provenance, the sandbox and the gateway."""

from govcore.datahub.fields import (
    ELICENCE_TYPES,
    SCHEMA,
    SOURCES,
    field_type,
    is_organisation_path,
)
from govcore.datahub.hub import DataLookup, ELicence, make_data_source
from govcore.datahub.ports import (
    DataSource,
    DataSourceError,
    HolderMismatchError,
    NoRecordError,
    Provenance,
    ProvenancedValue,
    SourceRecord,
    SourceUnavailableError,
    SubjectDirectory,
)

__all__ = [
    "DataLookup",
    "DataSource",
    "DataSourceError",
    "ELICENCE_TYPES",
    "ELicence",
    "HolderMismatchError",
    "NoRecordError",
    "Provenance",
    "ProvenancedValue",
    "SCHEMA",
    "SOURCES",
    "SourceRecord",
    "SourceUnavailableError",
    "SubjectDirectory",
    "field_type",
    "is_organisation_path",
    "make_data_source",
]
