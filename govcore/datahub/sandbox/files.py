"""The sandbox exchange format (``miaopi-sandbox/1``), documented in docs/sandbox.md.

A file lists people (by 公民身份号码) and organisations (by 统一社会信用代码),
each with the records every source holds about them. Files are validated in
full before anything is written; problems name the record (1-based) and path.
"""

from __future__ import annotations

import json
from datetime import date
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from govcore.datahub.records import check_record
from govcore.errors import ValidationError
from govcore.validation import mask_id_number, parse_credit_code, parse_id_number

FORMAT = "miaopi-sandbox/1"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubjectEntry(_Strict):
    id_number: str | None = None
    credit_code: str | None = None
    records: dict[str, dict[str, Any]] = Field(default_factory=dict)


class SandboxFile(_Strict):
    format: Literal["miaopi-sandbox/1"]
    people: list[SubjectEntry] = Field(default_factory=list)
    organisations: list[SubjectEntry] = Field(default_factory=list)


@dataclass(frozen=True)
class Subject:
    """A validated subject: its normalised id and its records by source."""

    subject_id: str
    kind: Literal["person", "organisation"]
    records: dict[str, dict[str, Any]]


class SandboxFileError(ValidationError):
    code = "invalid_sandbox_file"

    def __init__(self, file: str, problems: list[str]) -> None:
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{file}: 沙箱数据文件校验失败（invalid sandbox file, "
            f"{len(problems)} problem(s)）:\n{lines}{more}"
        )
        self.problems = problems


def read_sandbox_file(path: Path) -> list[Subject]:
    """Parse and validate a sandbox file.

    :raise SandboxFileError: listing every problem by record number and path.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SandboxFileError(str(path), [f"cannot read file: {exc}"]) from exc
    except json.JSONDecodeError as exc:
        raise SandboxFileError(
            str(path),
            [f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"],
        ) from exc
    return validate_sandbox_document(raw, file=str(path))


def validate_sandbox_document(
    raw: Any, *, file: str = "<document>", today: date | None = None
) -> list[Subject]:
    """Validate a decoded sandbox document and return its subjects.

    :param today: the date birth dates may not be after (default: today).

    :raise SandboxFileError: listing every problem found.
    """
    try:
        doc = SandboxFile.model_validate(raw)
    except PydanticValidationError as exc:
        problems = [f"{_where(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise SandboxFileError(file, problems) from None
    problems: list[str] = []
    subjects: list[Subject] = []
    seen: set[str] = set()
    for kind, entries in (("person", doc.people), ("organisation", doc.organisations)):
        for index, entry in enumerate(entries):
            subject = _validate_entry(kind, index, entry, problems, today)
            if subject is None:
                continue
            if subject.subject_id in seen:
                problems.append(f"{_label(kind, index)}: subject listed twice")
            seen.add(subject.subject_id)
            subjects.append(subject)
    if problems:
        raise SandboxFileError(file, problems)
    return subjects


def _validate_entry(
    kind: str, index: int, entry: SubjectEntry, problems: list[str], today: date | None
) -> Subject | None:
    label = _label(kind, index)
    try:
        if kind == "person":
            if entry.id_number is None or entry.credit_code is not None:
                raise ValidationError("a person needs id_number (and no credit_code)")
            subject_id = parse_id_number(entry.id_number, today=today).number
        else:
            if entry.credit_code is None or entry.id_number is not None:
                raise ValidationError(
                    "an organisation needs credit_code (and no id_number)"
                )
            subject_id = parse_credit_code(entry.credit_code).code
    except ValidationError as exc:
        problems.append(f"{label}: {exc.message}")
        return None
    ok = True
    for source, data in entry.records.items():
        for path, message in check_record(source, data):
            problems.append(
                f"{label} ({_masked(subject_id)}): records.{path}: {message}"
            )
            ok = False
    hk_id = entry.records.get("HK", {}).get("id_no")
    if hk_id is not None and hk_id != subject_id:
        problems.append(f"{label}: records.HK.id_no differs from id_number")
        ok = False
    if not ok:
        return None
    return Subject(subject_id, kind, entry.records)  # type: ignore[arg-type]


def _label(kind: str, index: int) -> str:
    plural = "people" if kind == "person" else "organisations"
    return f"{plural}[{index}] (record {index + 1})"


def _where(loc: tuple[Any, ...]) -> str:
    if (
        len(loc) >= 2
        and loc[0] in ("people", "organisations")
        and isinstance(loc[1], int)
    ):
        rest = ".".join(str(p) for p in loc[2:])
        return (
            f"{_label('person' if loc[0] == 'people' else 'organisation', loc[1])}"
            + (f".{rest}" if rest else "")
        )
    return ".".join(str(p) for p in loc) or "-"


def _masked(subject_id: str) -> str:
    return mask_id_number(subject_id)
