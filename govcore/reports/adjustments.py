"""动态调整情况表: how the 秒批秒报 list changed between two dates.

Read from each item's history of published versions (drafts never count):

* 新增: an item enters the list: its first published version takes effect in
  the period and is 秒报, 秒批 or 免申即享, or a later version takes effect
  that is while the one before was not;
* 变更: a later version takes effect in the period and its 改革类型 or 实现方式
  differs from the version before; a change of the rules alone is no row of
  its own, but the 备注 of a 变更 row says "规则版本 vN→vM" when they changed;
* 取消: an item leaves the list: a version in the list stops (its
  ``effective_to`` falls in the period) with no later version, or a later
  version takes effect that is no longer in the list.

调整原因 is the version's ``change_reason``; the 备注 adds its ``change_note``
and who published it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from govcore.catalog.models import Item, ItemVersion
from govcore.catalog.schema import VersionStatus
from govcore.catalog.service import FILE_ACTOR
from govcore.db import db
from govcore.errors import ValidationError
from govcore.reports import labels
from govcore.reports.table import EMPTY, ReportTable
from govcore.staff.models import StaffAccount

TITLE = "秒批秒报事项动态调整情况表"
COLUMNS = (
    "序号",
    "部门",
    "事项名称",
    "事项编码",
    "调整类型",
    "调整前",
    "调整后",
    "调整原因",
    "生效日期",
    "备注",
)


@dataclass(frozen=True)
class _Change:
    kind: str  # 新增, 取消, 变更
    before: ItemVersion | None
    after: ItemVersion | None
    on: date

    @property
    def version(self) -> ItemVersion:
        """The version that made the change (for 取消 by lapse: the one stopping)."""
        return self.after or self.before  # type: ignore[return-value]


def build_adjustments(*, since: date, until: date) -> ReportTable:
    """Return the 动态调整情况表 of the changes effective from ``since`` to
    ``until`` (both included), ordered by date, department and item.

    :raise ValidationError: if ``since`` is after ``until``.
    """
    if since > until:
        raise ValidationError("开始日期不能晚于结束日期", field="since")
    changes: list[_Change] = []
    items = db.session.scalars(sa.select(Item).order_by(Item.code))
    for item in items:
        published = [v for v in item.versions if v.status is not VersionStatus.DRAFT]
        changes.extend(_changes(published, since, until))
    changes.sort(
        key=lambda c: (c.on, c.version.item.department.code, c.version.item.code)
    )
    names = _publishers({c.version.published_by for c in changes})
    rows = [_row(n, change, names) for n, change in enumerate(changes, 1)]
    return ReportTable(
        title=TITLE,
        subtitle=f"调整期间：{since.isoformat()} 至 {until.isoformat()}",
        columns=COLUMNS,
        rows=rows,
        notes=(
            "调整前、调整后列改革类型（秒报/秒批/免申即享）和实现方式；"
            "只有规则内容调整、改革类型和实现方式不变的版本不单列，"
            "变更行的备注注明规则版本的变化。",
            "生效日期为新版本生效或原版本停止实施的日期；只计已发布的版本。",
        ),
    )


def _changes(versions: list[ItemVersion], since: date, until: date) -> list[_Change]:
    def within(day: date | None) -> bool:
        return day is not None and since <= day <= until

    found: list[_Change] = []
    previous: ItemVersion | None = None
    for version in sorted(versions, key=lambda v: v.version):
        kind = _kind(previous, version)
        if kind and within(version.effective_from):
            found.append(_Change(kind, previous, version, version.effective_from))
        previous = version
    if previous is not None and labels.in_list(previous.spec):
        if within(previous.effective_to):
            found.append(_Change("取消", previous, None, previous.effective_to))
    return found


def _kind(previous: ItemVersion | None, version: ItemVersion) -> str | None:
    """What taking ``version`` into force after ``previous`` does to the list."""
    listed = labels.in_list(version.spec)
    if previous is None or not labels.in_list(previous.spec):
        return "新增" if listed else None
    if not listed:
        return "取消"
    before, after = previous.spec, version.spec
    return (
        None
        if labels.reform_summary(before) == labels.reform_summary(after)
        else "变更"
    )


def _publishers(actors: set[str | None]) -> dict[str, str]:
    """Who published, by actor reference: staff by their display name."""
    names = {FILE_ACTOR: "目录文件导入"}
    ids = {
        int(a.split(":", 1)[1])
        for a in actors
        if a and a.startswith("staff:") and a.split(":", 1)[1].isdigit()
    }
    if ids:
        for account in db.session.scalars(
            sa.select(StaffAccount).where(StaffAccount.id.in_(ids))
        ):
            names[f"staff:{account.id}"] = account.display_name or account.username
    return names


def _row(number: int, change: _Change, names: dict[str, str]) -> tuple:
    version = change.version
    spec = version.spec
    remarks = []
    if change.kind == "取消" and change.after is None:
        remarks.append(f"v{version.version} 停止实施，无后续版本")
        reason = EMPTY
    else:
        reason = version.change_reason or EMPTY
        if version.change_note:
            remarks.append(version.change_note)
        if change.before is not None and _rules(change.before) != _rules(version):
            remarks.append(f"规则版本 v{change.before.version}→v{version.version}")
        if version.published_by:
            publisher = names.get(version.published_by, version.published_by)
            remarks.append(f"发布：{publisher}")
    return (
        number,
        version.item.department.name,
        spec.name,
        labels.item_code(spec),
        change.kind,
        labels.reform_summary(change.before.spec) if change.before else EMPTY,
        (
            labels.reform_summary(change.after.spec)
            if change.after
            else "停止实施（移出清单）"
        ),
        reason,
        change.on,
        "；".join(remarks),
    )


def _rules(version: ItemVersion) -> object:
    return version.definition.get("rules")
