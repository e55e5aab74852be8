"""How the reports name an item's reform status, channels, codes and limits.

One place for the words, so the 清单, the 动态调整情况表 and the self-check
describe an item the same way (catalog.md §1.5).
"""

from __future__ import annotations

from govcore.catalog.schema import Channel, ItemDef, MiaopiLevel
from govcore.datahub.fields import SOURCES

# Which platform each of our channels is, as the province's lists name them:
# the mini-program is 粤省事 for people and 粤商通 for organisations.
CHANNEL_LABELS = {
    Channel.KIOSK: "粤智助自助机",
    Channel.MOBILE: "粤省事",
    Channel.COUNTER: "窗口",
}
ORGANISATION_APP = "粤商通"


def item_code(spec: ItemDef) -> str:
    """The 业务办理项 code of the 清单: 基本编码 followed by the 2-digit sequence."""
    return f"{spec.base_code}{spec.handling_seq}"


def in_list(spec: ItemDef) -> bool:
    """Whether the item belongs in the 秒批秒报事项清单: 秒报, 秒批 (fully or
    partly) or 免申即享."""
    reform = spec.reform
    return reform.miaobao or reform.miaopi is not MiaopiLevel.NO or reform.proactive


def reform_type(spec: ItemDef) -> str:
    """改革类型: 秒报 / 秒批 / 秒报秒批, partial 秒批 marked, plus 免申即享."""
    reform = spec.reform
    miaopi = reform.miaopi is not MiaopiLevel.NO
    if reform.miaobao and miaopi:
        kind = "秒报秒批"
    elif miaopi:
        kind = "秒批"
    elif reform.miaobao:
        kind = "秒报"
    else:
        kind = ""
    if reform.miaopi is MiaopiLevel.PARTIAL:
        kind += "（部分秒批）"
    if reform.proactive:
        kind = f"{kind}、免申即享" if kind else "免申即享"
    return kind or "无"


def modes_label(spec: ItemDef) -> str:
    """实现方式: the reform's modes (表单预填, 电子证照免提交 …) in their order."""
    return "、".join(spec.reform.modes) or "无"


def reform_summary(spec: ItemDef) -> str:
    """An item's reform status and modes in one line, as 调整前/调整后 shows it."""
    if not in_list(spec):
        return "不属于秒批秒报事项"
    return f"{reform_type(spec)}；实现方式：{modes_label(spec)}"


def sources_label(spec: ItemDef) -> str:
    """共享数据项(来源部门): each shared data source the item reads, by name."""
    return "；".join(SOURCES.get(code, code) for code in spec.data_sources) or "无"


def channels_label(spec: ItemDef) -> str:
    """上线渠道: the platforms the item can be applied on."""
    people = "自然人" in spec.service_objects
    organisations = bool(set(spec.service_objects) - {"自然人"})
    names: list[str] = []
    for channel in spec.channels:
        if channel is not Channel.MOBILE:
            names.append(CHANNEL_LABELS[channel])
            continue
        if people:
            names.append(CHANNEL_LABELS[channel])
        if organisations:
            names.append(ORGANISATION_APP)
    return "、".join(names)


def working_days(days: int | None, *, none: str = "无") -> str:
    """A time limit in working days as the 清单 writes it."""
    if days is None:
        return none
    if days == 0:
        return "即办"
    return f"{days}个工作日"
