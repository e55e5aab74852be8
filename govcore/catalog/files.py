"""Reading and checking catalogue files (YAML) before anything touches the database.

:func:`read_catalog` parses every file under a catalogue folder, validates each
against :mod:`govcore.catalog.schema`, then checks cross-references. It collects
*all* problems and raises one :class:`CatalogFileError` listing them, each naming
the file, the item and the field, so an operator can fix a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError as PydanticValidationError

from govcore.catalog.schema import DepartmentDef, DepartmentsFile, ItemDef, Requirement
from govcore.datahub.fields import ELICENCE_TYPES, SOURCES, field_type
from govcore.errors import ValidationError
from govcore.validation import is_valid_credit_code

DEPARTMENTS_FILE = "departments.yaml"
ITEMS_DIR = "items"


@dataclass(frozen=True)
class Problem:
    file: str
    item: str | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}"
        if self.item:
            where += f": item {self.item}"
        return f"{where}: {self.field}: {self.message}"


class CatalogFileError(ValidationError):
    """One or more catalogue files are invalid; ``problems`` lists them all."""

    code = "invalid_catalog"

    def __init__(self, problems: list[Problem]) -> None:
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"目录文件校验失败（invalid catalogue, {len(problems)} "
                         f"problem(s)）:\n{lines}")
        self.problems = problems


@dataclass(frozen=True)
class CatalogData:
    """A fully validated catalogue: departments and item versions."""

    departments: list[DepartmentDef]
    items: list[ItemDef]
    files: dict[tuple[str, int], str]  # (item code, version) -> file name


def read_catalog(root: Path) -> CatalogData:
    """Read and validate the catalogue folder ``root``.

    :param root: a folder holding ``departments.yaml`` and ``items/*.yaml``.
    :return: the validated catalogue.
    :raise CatalogFileError: listing every problem found, with file, item and field.
    """
    problems: list[Problem] = []
    departments = _read_departments(root / DEPARTMENTS_FILE, problems)
    items: list[ItemDef] = []
    files: dict[tuple[str, int], str] = {}
    item_paths = sorted((root / ITEMS_DIR).glob("*.yaml")) if root.is_dir() else []
    if not item_paths:
        problems.append(Problem(str(root / ITEMS_DIR), None, "-", "no item files found"))
    for path in item_paths:
        item = _read_item(path, problems)
        if item is None:
            continue
        key = (item.code, item.version)
        if key in files:
            problems.append(Problem(str(path), item.code, "version",
                                    f"version {item.version} also defined in {files[key]}"))
            continue
        files[key] = str(path)
        items.append(item)
    dept_codes = {d.code for d in departments}
    for item in items:
        problems.extend(check_references(item, dept_codes, files[(item.code, item.version)]))
    if problems:
        raise CatalogFileError(problems)
    return CatalogData(departments, items, files)


def _load_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(str(path), None, "-", "file not found"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), None, "-", f"not valid YAML: {exc}"))
    return None


def _pydantic_problems(
    path: Path, item: str | None, exc: PydanticValidationError
) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "-"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field (未知字段)"
        out.append(Problem(str(path), item, loc, message))
    return out


def _read_departments(path: Path, problems: list[Problem]) -> list[DepartmentDef]:
    raw = _load_yaml(path, problems)
    if raw is None:
        return []
    try:
        parsed = DepartmentsFile.model_validate(raw)
    except PydanticValidationError as exc:
        problems.extend(_pydantic_problems(path, None, exc))
        return []
    seen: set[str] = set()
    for i, dept in enumerate(parsed.departments):
        where = f"departments.{i}"
        if dept.code in seen:
            problems.append(Problem(str(path), None, f"{where}.code",
                                    f"duplicate department code {dept.code!r}"))
        seen.add(dept.code)
        if not is_valid_credit_code(dept.credit_code):
            problems.append(Problem(str(path), None, f"{where}.credit_code",
                                    "not a valid 统一社会信用代码 (GB 32100 check failed)"))
    return list(parsed.departments)


def _read_item(path: Path, problems: list[Problem]) -> ItemDef | None:
    raw = _load_yaml(path, problems)
    if raw is None:
        return None
    code = raw.get("code") if isinstance(raw, dict) else None
    try:
        return ItemDef.model_validate(raw)
    except PydanticValidationError as exc:
        problems.extend(_pydantic_problems(path, code if isinstance(code, str) else None, exc))
        return None


def check_references(item: ItemDef, departments: set[str], file: str) -> list[Problem]:
    """Check what a schema cannot: references to departments, sources and materials."""
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(file, item.code, field, message))

    if item.department not in departments:
        bad("department", f"unknown department {item.department!r} (未知部门)")
    for i, source in enumerate(item.data_sources):
        if source not in SOURCES:
            bad(f"data_sources.{i}", f"unknown data source {source!r} (未知数据源)")
    for i, field in enumerate(item.form):
        if field.prefill:
            _check_path(field.prefill, f"form.{i}.prefill", bad)
            source = field.prefill.partition(".")[0]
            if source in SOURCES and source not in item.data_sources:
                bad(f"form.{i}.prefill", f"source {source!r} is not in data_sources")
    material_codes = {m.code for m in item.materials}
    for i, material in enumerate(item.materials):
        if material.elicence and material.elicence not in ELICENCE_TYPES:
            bad(f"materials.{i}.elicence",
                f"unknown e-licence type {material.elicence!r} (未知电子证照类型)")
        if material.data_check:
            _check_path(material.data_check, f"materials.{i}.data_check", bad)
    for i, code in enumerate(item.commitment.replaces):
        if code not in material_codes:
            bad(f"commitment.replaces.{i}", f"unknown material {code!r}")
        elif not _material(item, code).commitment:
            bad(f"commitment.replaces.{i}",
                f"material {code!r} is not marked commitment: true")
    for i, code in enumerate(item.tolerance.materials):
        if code not in material_codes:
            bad(f"tolerance.materials.{i}", f"unknown material {code!r}")
        elif _material(item, code).requirement is not Requirement.TOLERABLE:
            bad(f"tolerance.materials.{i}",
                f"material {code!r} is not marked requirement: tolerable")
    return problems


def _check_path(path: str, where: str, bad: Any) -> None:
    try:
        field_type(path)
    except ValidationError as exc:
        bad(where, exc.message)


def _material(item: ItemDef, code: str) -> Any:
    return next(m for m in item.materials if m.code == code)
