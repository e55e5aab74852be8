"""The sandbox registry: a database-backed synthetic 龙湖区 for demos and tests."""

from govcore.datahub.sandbox.files import (
    FORMAT,
    SandboxFileError,
    Subject,
    read_sandbox_file,
    validate_sandbox_document,
)
from govcore.datahub.sandbox.models import SandboxRecord
from govcore.datahub.sandbox.service import (
    SandboxDataSource,
    count_people,
    count_records,
    describe_subject,
    generate_into_sandbox,
    import_subjects,
    record_id_for,
)

__all__ = [
    "FORMAT",
    "SandboxDataSource",
    "SandboxFileError",
    "SandboxRecord",
    "Subject",
    "count_people",
    "count_records",
    "describe_subject",
    "generate_into_sandbox",
    "import_subjects",
    "read_sandbox_file",
    "record_id_for",
    "validate_sandbox_document",
]
