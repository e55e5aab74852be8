"""自查清理: items of the 秒批秒报 list whose declared status the data do not
bear out, over a period.

Three checks, each on the items of the list in force on the period's last day:

* 秒批率不足: the item is declared 秒批 (``miaopi: Y``), at least
  ``min_decisions`` of its applications submitted in the period were decided,
  and the share the rules decided alone (approve or refuse, without a person)
  is below ``threshold``;
* 期内无办件: no application of the item was submitted in the period;
* 仅查询打印: the item is declared 秒批 (fully or partly) but no approval is
  really made. The criterion: its result document is of type "其他" (neither a
  licence, 证照, nor a decision, 批文: a 证明, 凭证 or 回执), and its rules
  cannot refuse (no check with outcome ``refuse``; or no rules at all): the
  system only looks the applicant up in shared data and prints what it
  finds, and anyone it cannot print for goes to a person. Such query and
  print services are not counted as 秒批. In the reference catalogue this is
  无犯罪记录证明 (犯罪记录查询).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa

from govcore.applications.models import Application
from govcore.catalog.models import ItemVersion
from govcore.catalog.schema import ItemDef, MiaopiLevel
from govcore.catalog.service import list_items
from govcore.clock import day_start
from govcore.db import db
from govcore.decisions.models import Decision
from govcore.errors import ValidationError
from govcore.reports import labels
from govcore.reports.table import ReportTable

TITLE = "秒批秒报事项自查清理情况表"
COLUMNS = ("序号", "部门", "事项名称", "事项编码", "问题", "依据数据", "建议")
DEFAULT_THRESHOLD = 0.8
MIN_DECISIONS = 5

ADVICE = {
    "秒批率不足": "核查规则条件与数据接口可用情况，提高自动审批率；确实无法改进的，"
    "调整为部分秒批或取消秒批，并在动态调整情况表中报告。",
    "期内无办件": "核实办事需求和办理入口，加强宣传引导；长期无办件的，评估是否调整出清单。",
    "仅查询打印": "仅查询、打印类事项不计为秒批事项，建议调整改革类型（如秒报或免申即享），"
    "并在动态调整情况表中报告。",
}


def build_self_check(
    *,
    since: date,
    until: date,
    threshold: float = DEFAULT_THRESHOLD,
    min_decisions: int = MIN_DECISIONS,
) -> ReportTable:
    """Return the self-check of the list's items from ``since`` to ``until``
    (both included).

    :param threshold: the automatic-decision rate a 秒批 item must reach (0–1).
    :param min_decisions: decided applications needed before the rate counts.
    :raise ValidationError: if the dates are reversed or the threshold is not
        above 0 and at most 1.
    """
    if since > until:
        raise ValidationError("开始日期不能晚于结束日期", field="since")
    if not 0 < threshold <= 1:
        raise ValidationError("阈值须大于 0 且不超过 1，如 0.8", field="threshold")
    versions = [v for v in list_items(on=until) if labels.in_list(v.spec)]
    versions.sort(key=lambda v: (v.item.department.code, v.item.code))
    submitted, decided, automatic = _usage(since, until)
    period = f"{since.isoformat()} 至 {until.isoformat()}"
    findings: list[tuple[ItemVersion, str, str]] = []
    for version in versions:
        item_id, spec = version.item_id, version.spec
        done, auto = decided[item_id], automatic[item_id]
        if spec.reform.miaopi is MiaopiLevel.YES and done >= min_decisions:
            if auto / done < threshold:
                findings.append(
                    (
                        version,
                        "秒批率不足",
                        f"{period} 已决定 {done} 件，系统自动决定 {auto} 件，"
                        f"自动审批率 {auto / done:.1%}，低于阈值 {threshold:.0%}",
                    )
                )
        if not submitted[item_id]:
            findings.append((version, "期内无办件", f"{period} 提交办件 0 件"))
        if _query_or_print(spec):
            findings.append((version, "仅查询打印", _query_or_print_basis(spec)))
    rows = [
        (
            n,
            v.item.department.name,
            v.spec.name,
            labels.item_code(v.spec),
            p,
            b,
            ADVICE[p],
        )
        for n, (v, p, b) in enumerate(findings, 1)
    ]
    return ReportTable(
        title=TITLE,
        subtitle=f"自查期间：{period}；秒批率阈值 {threshold:.0%}",
        columns=COLUMNS,
        rows=rows,
        notes=(
            f"秒批率不足：申报全部秒批的事项，期内已决定办件不少于 {min_decisions} 件"
            "且系统自动决定（批准或不予批准）的比例低于阈值。",
            "期内无办件：清单内事项在自查期间没有提交的办件。",
            "仅查询打印：申报秒批但结果文书为“其他”类（证明、凭证、回执，"
            "非证照、非批文）且规则没有不予批准情形的事项，系统只查询数据并出具打印，"
            "不作审批决定。",
        ),
    )


def _usage(since: date, until: date) -> tuple[Counter[int], Counter[int], Counter[int]]:
    """Per item id: applications submitted, decided, and decided by the rules."""
    window = sa.and_(
        Application.submitted_at >= day_start(since),
        Application.submitted_at < day_start(until + timedelta(days=1)),
    )
    submitted: Counter[int] = Counter(
        dict(
            db.session.execute(
                sa.select(ItemVersion.item_id, sa.func.count(Application.id))
                .join(ItemVersion, Application.item_version_id == ItemVersion.id)
                .where(window)
                .group_by(ItemVersion.item_id)
            ).all()
        )
    )
    first = sa.select(sa.func.min(Decision.id)).group_by(Decision.application_id)
    decided: Counter[int] = Counter()
    automatic: Counter[int] = Counter()
    for item_id, automated, outcome in db.session.execute(
        sa.select(ItemVersion.item_id, Decision.automated, Decision.outcome)
        .join(Application, Decision.application_id == Application.id)
        .join(ItemVersion, Application.item_version_id == ItemVersion.id)
        .where(window, Decision.id.in_(first))
    ):
        decided[item_id] += 1
        automatic[item_id] += automated and outcome in ("approve", "refuse")
    return submitted, decided, automatic


def _query_or_print(spec: ItemDef) -> bool:
    if spec.reform.miaopi is MiaopiLevel.NO or spec.result.type != "其他":
        return False
    checks = spec.rules.checks if spec.rules else []
    return not any(check.outcome == "refuse" for check in checks)


def _query_or_print_basis(spec: ItemDef) -> str:
    rules = "规则没有不予批准情形" if spec.rules else "没有审批规则"
    return (
        f"结果文书《{spec.result.name}》为“其他”类（非证照、非批文），"
        f"{rules}，系统核验数据后即出具"
    )
