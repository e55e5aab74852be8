"""Catalogue files: the shipped catalogue is valid, bad files are named precisely."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from govcore.catalog import CatalogFileError, Category, MiaopiLevel, read_catalog

CATALOG = Path(__file__).resolve().parents[2] / "catalog"


@pytest.fixture(scope="module")
def shipped():
    return read_catalog(CATALOG)


def test_shipped_catalogue_has_the_25_reference_items(shipped) -> None:
    assert len(shipped.items) == 25
    assert len({i.code for i in shipped.items}) == 25


def test_shipped_catalogue_covers_every_category_and_eight_departments(shipped) -> None:
    categories = Counter(i.category for i in shipped.items)
    assert set(categories) == set(Category)
    assert len({i.department for i in shipped.items}) >= 8


def test_every_item_that_is_not_miaopi_says_why(shipped) -> None:
    for item in shipped.items:
        if item.reform.miaopi is not MiaopiLevel.YES:
            assert item.reform.no_miaopi_reason, item.code
        assert item.rule_text.strip(), item.code


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(CATALOG, root)
    return root


def edit_item(root: Path, code: str, change) -> Path:
    path = root / "items" / f"{code}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def only_problem(root: Path):
    with pytest.raises(CatalogFileError) as info:
        read_catalog(root)
    assert len(info.value.problems) == 1, info.value.problems
    return info.value.problems[0]


def test_unknown_field_is_named_with_file_and_item(catalog_copy: Path) -> None:
    path = edit_item(catalog_copy, "aged-allowance", lambda d: d.update(colour="red"))
    problem = only_problem(catalog_copy)
    assert (problem.file, problem.item, problem.field) == (
        str(path),
        "aged-allowance",
        "colour",
    )
    assert "unknown field" in problem.message


def test_wrong_category_is_rejected(catalog_copy: Path) -> None:
    edit_item(catalog_copy, "aged-allowance", lambda d: d.update(category="XX"))
    problem = only_problem(catalog_copy)
    assert (problem.item, problem.field) == ("aged-allowance", "category")


def test_unknown_elicence_type_in_a_material_is_rejected(catalog_copy: Path) -> None:
    def change(data):
        data["materials"][0]["elicence"] = "MAGIC_PASS"

    edit_item(catalog_copy, "aged-allowance", change)
    problem = only_problem(catalog_copy)
    assert problem.field == "materials.0.elicence"
    assert "MAGIC_PASS" in problem.message


def test_prefill_from_an_unknown_source_field_is_rejected(catalog_copy: Path) -> None:
    def change(data):
        data["form"][0]["prefill"] = "HK.shoe_size"

    edit_item(catalog_copy, "aged-allowance", change)
    problem = only_problem(catalog_copy)
    assert problem.field == "form.0.prefill"
    assert "shoe_size" in problem.message


def test_locked_field_without_prefill_is_rejected(catalog_copy: Path) -> None:
    def change(data):
        data["form"][0].pop("prefill")

    edit_item(catalog_copy, "aged-allowance", change)
    assert only_problem(catalog_copy).field == "form.0"


def test_unknown_department_is_rejected(catalog_copy: Path) -> None:
    edit_item(
        catalog_copy, "aged-allowance", lambda d: d.update(department="lh-nobody")
    )
    assert only_problem(catalog_copy).field == "department"


def test_invalid_department_credit_code_is_rejected(catalog_copy: Path) -> None:
    path = catalog_copy / "departments.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    code = data["departments"][0]["credit_code"]
    data["departments"][0]["credit_code"] = code[:-1] + (
        "0" if code[-1] != "0" else "1"
    )
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problem = only_problem(catalog_copy)
    assert problem.field == "departments.0.credit_code"


def test_every_problem_is_reported_at_once(catalog_copy: Path) -> None:
    edit_item(
        catalog_copy, "aged-allowance", lambda d: d.update(category="XX", colour=1)
    )
    with pytest.raises(CatalogFileError) as info:
        read_catalog(catalog_copy)
    assert {p.field for p in info.value.problems} >= {"category", "colour"}
    assert "aged-allowance" in str(info.value)


def test_broken_yaml_names_the_file(catalog_copy: Path) -> None:
    path = catalog_copy / "items" / "aged-allowance.yaml"
    path.write_text("code: [unclosed\n", encoding="utf-8")
    problem = only_problem(catalog_copy)
    assert problem.file == str(path)
    assert "YAML" in problem.message
