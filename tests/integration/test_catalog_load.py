"""Loading the catalogue into the database: all or nothing, versions immutable."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from govcore import catalog
from govcore.catalog import CatalogFileError, Channel, ItemVersion, VersionStatus
from govcore.db import db
from govcore.errors import NotFoundError

CATALOG = Path(__file__).resolve().parents[2] / "catalog"
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 28)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    copy = tmp_path / "catalog"
    shutil.copytree(CATALOG, copy)
    return copy


def load(root: Path, now: datetime = NOW) -> catalog.LoadReport:
    return catalog.load_catalog(catalog.read_catalog(root), now=now)


def rewrite(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_load_is_idempotent(app_ctx, root: Path) -> None:
    first = load(root)
    assert len(first.created) == 25
    second = load(root)
    assert second.created == [] and len(second.unchanged) == 25
    assert catalog.count_items() == 25


def test_list_items_filters_by_channel_and_category(app_ctx, root: Path) -> None:
    load(root)
    every = catalog.list_items(on=TODAY)
    assert len(every) == 25
    kiosk = catalog.list_items(on=TODAY, channel=Channel.KIOSK)
    assert kiosk and len(kiosk) < 25  # some items are counter only
    assert all(Channel.KIOSK in v.spec.channels for v in kiosk)
    gf = catalog.list_items(on=TODAY, category=catalog.Category.GF)
    assert {v.item.code for v in gf} >= {"aged-allowance"}
    assert all(v.category is catalog.Category.GF for v in gf)


def test_changing_a_published_version_is_refused_and_nothing_is_written(
    app_ctx, root: Path
) -> None:
    load(root)
    before = db.session.scalars(sa.select(ItemVersion.content_hash)).all()
    rewrite(root / "items" / "aged-allowance.yaml", lambda d: d.update(name="改名"))
    with pytest.raises(CatalogFileError) as info:
        load(root)
    assert info.value.problems[0].item == "aged-allowance"
    assert "add version 2" in info.value.problems[0].message
    db.session.expire_all()
    assert db.session.scalars(sa.select(ItemVersion.content_hash)).all() == before


def test_a_failing_file_leaves_nothing_half_loaded(app_ctx, root: Path) -> None:
    rewrite(
        root / "items" / "aged-allowance.yaml",
        lambda d: d["materials"][0].update(elicence="NOPE"),
    )
    with pytest.raises(CatalogFileError):
        load(root)
    assert catalog.count_items() == 0
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(catalog.Department))
        == 0
    )


def test_a_new_version_takes_over_on_its_effective_date(app_ctx, root: Path) -> None:
    load(root)
    path = root / "items" / "aged-allowance-v2.yaml"
    shutil.copy(root / "items" / "aged-allowance.yaml", path)
    rewrite(
        path,
        lambda d: d.update(
            version=2, effective_from="2027-01-01", name="高龄老人津贴申领（2027版）"
        ),
    )
    report = load(root)
    assert report.created == ["aged-allowance v2"]
    assert catalog.get_item_version("aged-allowance", on=TODAY).version == 1
    assert catalog.get_item_version("aged-allowance", on=date(2027, 1, 1)).version == 2
    v1 = catalog.get_item_version("aged-allowance", on=TODAY, version=1)
    assert v1.effective_to == date(2027, 1, 1)
    assert v1.status is VersionStatus.PUBLISHED
    later = datetime(2027, 1, 2, tzinfo=timezone.utc)
    assert load(root, now=later).retired == ["aged-allowance v1"]


def test_a_draft_is_not_offered_and_can_be_replaced(app_ctx, root: Path) -> None:
    load(root)
    path = root / "items" / "aged-allowance-v2.yaml"
    shutil.copy(root / "items" / "aged-allowance.yaml", path)
    rewrite(
        path, lambda d: d.update(version=2, status="draft", effective_from="2026-12-01")
    )
    load(root)
    assert catalog.get_item_version("aged-allowance", on=date(2026, 12, 2)).version == 1
    rewrite(path, lambda d: d.update(name="草稿改名"))
    assert load(root).replaced_drafts == ["aged-allowance v2"]
    draft = catalog.get_item_version("aged-allowance", on=TODAY, version=2)
    assert draft.spec.name == "草稿改名"


def test_unknown_item_is_not_found(app_ctx, root: Path) -> None:
    load(root)
    with pytest.raises(NotFoundError):
        catalog.get_item_version("no-such-item", on=TODAY)


def test_a_result_field_expression_is_checked_like_a_rule(root: Path) -> None:
    def bad_field(data) -> None:
        data["result"]["fields"][3]["value"] = "HK.no_such_field"

    rewrite(root / "items" / "aged-allowance.yaml", bad_field)
    with pytest.raises(CatalogFileError) as info:
        catalog.read_catalog(root)
    (problem,) = info.value.problems
    assert problem.item == "aged-allowance"
    assert problem.field == "result.fields.3.value"
    assert "no_such_field" in problem.message
