"""Reading and checking catalogue files (YAML) before anything touches the database.

:func:`read_catalog` parses every file under a catalogue folder, validates each
against :mod:`govcore.catalog.schema`, then checks cross-references. It collects
*all* problems and raises one :class:`CatalogFileError` listing them, each naming
the file, the item and the field, so an operator can fix a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any

import yaml
from pydantic import ValidationError as PydanticValidationError

from govcore.catalog.schema import (
    DepartmentDef,
    DepartmentsFile,
    ItemDef,
    Material,
    Requirement,
    VersionStatus,
)
from govcore.datahub.fields import ELICENCE_TYPES, SOURCES, field_type
from govcore.errors import ValidationError
from govcore.validation import is_valid_credit_code

# libyaml's safe loader is ~10x faster than the pure-Python one; same semantics.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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
        super().__init__(
            f"目录文件校验失败（invalid catalogue, {len(problems)} "
            f"problem(s)）:\n{lines}"
        )
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
        problems.append(
            Problem(str(root / ITEMS_DIR), None, "-", "no item files found")
        )
    for path in item_paths:
        item = _read_item(path, problems)
        if item is None:
            continue
        key = (item.code, item.version)
        if key in files:
            problems.append(
                Problem(
                    str(path),
                    item.code,
                    "version",
                    f"version {item.version} also defined in {files[key]}",
                )
            )
            continue
        files[key] = str(path)
        items.append(item)
    dept_codes = {d.code for d in departments}
    for item in items:
        problems.extend(
            check_references(item, dept_codes, files[(item.code, item.version)])
        )
    if problems:
        raise CatalogFileError(problems)
    return CatalogData(departments, items, files)


def _load_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader)
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
            problems.append(
                Problem(
                    str(path),
                    None,
                    f"{where}.code",
                    f"duplicate department code {dept.code!r}",
                )
            )
        seen.add(dept.code)
        if not is_valid_credit_code(dept.credit_code):
            problems.append(
                Problem(
                    str(path),
                    None,
                    f"{where}.credit_code",
                    "not a valid 统一社会信用代码 (GB 32100 check failed)",
                )
            )
    return list(parsed.departments)


def _read_item(path: Path, problems: list[Problem]) -> ItemDef | None:
    raw = _load_yaml(path, problems)
    if raw is None:
        return None
    code = raw.get("code") if isinstance(raw, dict) else None
    try:
        return ItemDef.model_validate(raw)
    except PydanticValidationError as exc:
        problems.extend(
            _pydantic_problems(path, code if isinstance(code, str) else None, exc)
        )
        return None


def check_references(item: ItemDef, departments: set[str], file: str) -> list[Problem]:
    """Check what a schema cannot: references to departments, sources and materials."""
    return [
        Problem(file, item.code, field, message)
        for field, message in _reference_problems(item, departments)
    ]


def _reference_problems(
    item: ItemDef, departments: set[str]
) -> Iterator[tuple[str, str]]:
    if item.department not in departments:
        yield "department", f"unknown department {item.department!r} (未知部门)"
    for i, source in enumerate(item.data_sources):
        if source not in SOURCES:
            yield f"data_sources.{i}", f"unknown data source {source!r} (未知数据源)"
    for i, field in enumerate(item.form):
        if field.prefill:
            yield from _path_problems(field.prefill, f"form.{i}.prefill")
            source = field.prefill.partition(".")[0]
            if source in SOURCES and source not in item.data_sources:
                yield f"form.{i}.prefill", f"source {source!r} is not in data_sources"
    for i, material in enumerate(item.materials):
        if material.elicence and material.elicence not in ELICENCE_TYPES:
            yield (
                f"materials.{i}.elicence",
                f"unknown e-licence type {material.elicence!r} (未知电子证照类型)",
            )
        if material.data_check:
            yield from _path_problems(material.data_check, f"materials.{i}.data_check")
    yield from _rule_problems(item)
    yield from _material_links(
        item,
        item.commitment.replaces,
        "commitment.replaces",
        lambda m: m.commitment,
        "commitment: true",
    )
    yield from _material_links(
        item,
        item.tolerance.materials,
        "tolerance.materials",
        lambda m: m.requirement is Requirement.TOLERABLE,
        "requirement: tolerable",
    )


def _material_links(
    item: ItemDef,
    codes: list[str],
    where: str,
    marked: Callable[[Material], bool],
    marking: str,
) -> Iterator[tuple[str, str]]:
    """Each code must name a material of the item that carries ``marking``."""
    materials = {m.code: m for m in item.materials}
    for i, code in enumerate(codes):
        if code not in materials:
            yield f"{where}.{i}", f"unknown material {code!r}"
        elif not marked(materials[code]):
            yield f"{where}.{i}", f"material {code!r} is not marked {marking}"


def _rule_problems(item: ItemDef) -> Iterator[tuple[str, str]]:
    """Rules must compile; a published item's test cases must pass."""
    from govcore.rules.cases import run_cases
    from govcore.rules.engine import compile_rules
    from govcore.rules.language import RuleSyntaxError

    try:
        compiled = compile_rules(item)  # result.fields.N.value are checked too
    except RuleSyntaxError as exc:
        yield exc.field or "rules", exc.message
        return
    if item.rules is None:
        return
    for i, check in enumerate(item.rules.checks):
        if check.reason_code and check.reason_code not in item.refusal_codes:
            yield (
                f"rules.checks.{i}.reason_code",
                f"{check.reason_code} is not in refusal_codes {item.refusal_codes}",
            )
    if item.status is not VersionStatus.DRAFT:
        for failure in run_cases(item, compiled):
            yield (
                f"rules.cases.{failure.index}",
                f"case “{failure.name}” fails: {failure.message}",
            )


def _path_problems(path: str, where: str) -> Iterator[tuple[str, str]]:
    try:
        field_type(path)
    except ValidationError as exc:
        yield where, exc.message
