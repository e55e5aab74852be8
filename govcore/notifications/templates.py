"""The text of each kind of message, in Chinese, for the inbox and for SMS.

Messages name the item (事项) and the 办件编号 and say where to look; they never
contain an ID number or a name, so a message read by someone else over the
person's shoulder (or a gateway's log) reveals little. SMS text stays within
one 70-character segment with the signature: long item names are shortened.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from govcore.notifications.ports import Notice

logger = logging.getLogger(__name__)

#: Longest item name in an SMS before it is shortened with "…".
SMS_ITEM_CHARS = 12
#: Where the applicant finds the details.
WHERE = "小程序“我的办件”"


@dataclass(frozen=True)
class Template:
    """Format strings over ``item``, ``ref``, ``due_on``, ``by``, ``lapse`` and
    ``number`` (a result document's number) and ``correction`` (what came of
    a 数据纠错 request)."""

    title: str
    result: str
    body: str
    sms: str


TEMPLATES: dict[str, Template] = {
    "decision_approve": Template(
        "办件已批准",
        "已批准",
        "您申请的“{item}”（办件编号 {ref}）{by}已审批通过。"
        "结果文书可在" + WHERE + "中查看、下载。",
        "您申请的{item}（{ref}）{by}已批准，请在" + WHERE + "查看。",
    ),
    "decision_refuse": Template(
        "办件未获批准",
        "不予批准",
        "您申请的“{item}”（办件编号 {ref}）{by}未获批准。"
        "不予批准的理由和依据可在" + WHERE + "中查看，如有疑问可咨询办理部门。",
        "您申请的{item}（{ref}）{by}未获批准，理由请在" + WHERE + "查看。",
    ),
    "decision_manual": Template(
        "办件转人工审核",
        "人工审核",
        "您申请的“{item}”（办件编号 {ref}）已受理，需由工作人员审核，"
        "审核结果将另行通知。",
        "您申请的{item}（{ref}）已受理，转人工审核，结果将另行通知。",
    ),
    "materials_owed": Template(
        "容缺受理，请补交材料",
        "容缺受理",
        "您申请的“{item}”（办件编号 {ref}）已容缺受理，"
        "请在 {due_on} 前通过小程序或自助终端补交材料。",
        "您申请的{item}（{ref}）已容缺受理，请于{due_on}前补交材料。",
    ),
    "materials_due_reminder": Template(
        "补交材料提醒",
        "待补材料",
        "您申请的“{item}”（办件编号 {ref}）尚需补交材料，截止日期 {due_on}，"
        "逾期将按规定处理。",
        "提醒：{item}（{ref}）请于{due_on}前补交材料，逾期将按规定处理。",
    ),
    "materials_lapsed": Template(
        "补交材料已逾期",
        "逾期",
        "您申请的“{item}”（办件编号 {ref}）因未在期限内补交材料，{lapse}。"
        "详情可在" + WHERE + "中查看。",
        "您申请的{item}（{ref}）因逾期未补交材料，{lapse}。",
    ),
    "proactive_offer": Template(
        "免申即享服务推送",
        "可享受",
        "经数据比对，您符合“{item}”的享受条件，无需提交申请。"
        "请在小程序“服务推送”中一键确认办理。",
        "经数据比对，您可享受{item}，请在小程序“服务推送”中一键确认。",
    ),
    "proactive_granted": Template(
        "免申即享已办结",
        "已办结",
        "系统已为您办理“{item}”（办件编号 {ref}），无需申请。"
        "详情可在" + WHERE + "中查看。",
        "系统已为您办理{item}（{ref}），无需申请，详情请在" + WHERE + "查看。",
    ),
    "certificate_revoked": Template(
        "结果文书已撤销",
        "已撤销",
        "您的“{item}”结果文书{number}已被撤销（办件编号 {ref}），"
        "撤销原因可在" + WHERE + "中查看。",
        "您的{item}（{ref}）结果文书已撤销，原因请在" + WHERE + "查看。",
    ),
    "commitment_false": Template(
        "告知承诺核查结果",
        "承诺不实",
        "经事后核查，您办理“{item}”（办件编号 {ref}）时作出的告知承诺与实际情况"
        "不符，依法撤销该办件的结果文书{number}，并将承诺不实的情况记入信用记录。"
        "详情可在" + WHERE + "中查看，如有异议可向办理部门提出。",
        "经核查，您办理{item}（{ref}）的告知承诺不实，结果文书已撤销并记入信用记录。",
    ),
    "correction_answered": Template(
        "数据纠错已有答复",
        "已答复",
        "您就“{item}”（办件编号 {ref}）提出的数据纠错申请，数据来源部门已核实："
        "{correction}。答复内容可在" + WHERE + "中查看。",
        "您就{item}（{ref}）提出的数据纠错已核实：{correction}，详见" + WHERE + "。",
    ),
}

#: For a kind without a template: still tell the person where to look.
FALLBACK = Template(
    "办件进展通知",
    "有更新",
    "您的办件{ref_paren}有新的进展，详情可在" + WHERE + "中查看。",
    "您的办件{ref_paren}有新的进展，请在" + WHERE + "查看。",
)

#: What happened when 容缺 materials were not supplied: text and short result.
LAPSE = {
    "manual_review": ("已转人工审核", "转人工审核"),
    "refuse": ("不予批准", "不予批准"),
    "withdraw": ("已撤回", "已撤回"),
}

#: What came of a 数据纠错 request (govcore.applications.corrections).
CORRECTION = {"resolved": "数据已更正", "rejected": "数据未更正"}


def render(
    kind: str,
    *,
    payload: dict[str, Any],
    item_name: str = "",
    reference_no: str = "",
) -> Notice:
    """Render a message of ``kind`` for people.

    :param kind: the outbox message kind, e.g. ``decision_approve``.
    :param payload: the message payload (``due_on``, ``outcome``, ``by``,
        ``number`` …).
    :param item_name: the item's name, or ``""`` if unknown.
    :param reference_no: the 办件编号, or ``""``.
    :return: the title, inbox body, SMS text (without signature) and result.
    """
    template = TEMPLATES.get(kind)
    if template is None:
        logger.warning("notifications: no template for kind %s", kind)
        template = FALLBACK
    lapse, lapse_result = LAPSE.get(
        str(payload.get("outcome")), ("已按规定处理", "已处理")
    )
    values = {
        "ref": reference_no or "—",
        "ref_paren": f"（{reference_no}）" if reference_no else "",
        "due_on": str(payload.get("due_on") or "规定期限"),
        "by": "经人工审核" if payload.get("by") == "staff" else "",
        "lapse": lapse,
        "number": f"（编号 {payload['number']}）" if payload.get("number") else "",
        "correction": CORRECTION.get(str(payload.get("outcome")), "已处理"),
    }
    item = item_name or "政务服务事项"
    return Notice(
        title=template.title,
        body=template.body.format(item=item, **values),
        sms=template.sms.format(item=_short(item), **values),
        result=lapse_result if kind == "materials_lapsed" else template.result,
        item_name=item_name,
        reference_no=reference_no,
    )


def _short(name: str) -> str:
    return name if len(name) <= SMS_ITEM_CHARS else name[: SMS_ITEM_CHARS - 1] + "…"
