"""秒批秒报事项清单: the items of the reform in force on a date.

One row per item version in force that is 秒报, 秒批 (fully or partly) or
免申即享; items that are none of these are left out. Every column is read
from the version's definition (catalog.md §1.5).
"""

from __future__ import annotations

from datetime import date

from govcore.catalog.models import ItemVersion
from govcore.catalog.schema import ItemDef
from govcore.catalog.service import list_items
from govcore.reports import labels
from govcore.reports.table import ReportTable

TITLE = "秒批秒报事项清单"
COLUMNS = (
    "序号",
    "实施部门",
    "事项名称",
    "业务办理项",
    "事项编码",
    "事项类型",
    "改革类型",
    "实现方式",
    "共享数据项（来源部门）",
    "上线渠道",
    "法定时限",
    "承诺时限",
    "上线时间",
    "备注",
)


def build_annual_list(*, on: date) -> ReportTable:
    """Return the 秒批秒报事项清单 as it stands on ``on``.

    :param on: the day whose versions in force are listed.
    :return: the table, ordered by department and item code.
    """
    in_force = list_items(on=on)
    versions = [v for v in in_force if labels.in_list(v.spec)]
    versions.sort(key=lambda v: (v.item.department.code, v.item.code))
    rows = [_row(number, version) for number, version in enumerate(versions, 1)]
    left_out = len(in_force) - len(rows)
    return ReportTable(
        title=TITLE,
        subtitle=f"截至 {on.isoformat()}（在用版本）",
        columns=COLUMNS,
        rows=rows,
        notes=(
            "本清单只列秒报、秒批（含部分秒批）或免申即享的事项；"
            f"在用但均不属于以上情形的 {left_out} 项事项未列入。",
            "事项编码为基本编码加业务办理项序号；时限以工作日计，“即办”为当场办结。",
            "上线时间取事项上线日期，未登记的取该版本生效日期。",
        ),
    )


def _row(number: int, version: ItemVersion) -> tuple:
    spec = version.spec
    return (
        number,
        version.item.department.name,
        spec.name,
        spec.handling_item_name,
        labels.item_code(spec),
        spec.category.label,
        labels.reform_type(spec),
        labels.modes_label(spec),
        labels.sources_label(spec),
        labels.channels_label(spec),
        labels.working_days(spec.limits.statutory_working_days),
        labels.working_days(spec.limits.promised_working_days),
        spec.online_since or version.effective_from,
        _remarks(spec),
    )


def _remarks(spec: ItemDef) -> str:
    reform = spec.reform
    parts = []
    if reform.no_miaopi_reason:
        parts.append(f"未全部秒批原因：{reform.no_miaopi_reason}")
    if reform.proactive:
        parts.append(f"免申即享触发：{reform.proactive_trigger}")
    return "；".join(parts)
