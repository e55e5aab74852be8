"""The bureau's reports (清单, 动态调整情况表, quarterly report, self-check)
built on a known world, written as xlsx and PDF, and read back: each row is
checked against what the database holds.

The world: 高龄津贴 applied for six times on the phone (four decided by the
rules, two sent to a person, one of them then approved by an approver and the
other left open past its due date), 无犯罪记录证明 once, two ratings; 养犬登记
gets a second version that makes it fully 秒批 (published by a staff member
with a reason) and 人才落户 stops today.
"""

from __future__ import annotations

import copy
import io
import statistics
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import openpyxl
import pikepdf
import pytest
import sqlalchemy as sa
from flask import Flask

from govcore import catalog, decisions, reports
from govcore.applications import Application
from govcore.catalog import Department, Item, ItemDef, ItemVersion, VersionStatus
from govcore.clock import day_start, local_date, utcnow
from govcore.datahub.sandbox.service import SandboxDataSource
from govcore.db import db
from govcore.decisions import Decision, ReviewTask
from govcore.errors import ValidationError
from govcore.ratings.models import ServiceRating
from govcore.staff import StaffAccount
from tests.api.conftest import criminal_record_certificate, dev_login
from tests.api.test_decisions import apply
from tests.api.test_staff_reviews import make_account
from tests.components import require_tool

CHANGE_NOTE = "养犬管理规定修订，延续年审与首次登记均可数据核验"


@dataclass(frozen=True)
class Known:
    app: Flask
    today: date
    now: datetime
    publisher: str  # the display name of who published 养犬登记 v2


def submit_applications(app: Flask) -> None:
    client = app.test_client()
    for persona, status in (
        ("陈伯", "approved"),
        ("林秀娥", "approved"),
        ("李振华", "refused"),
        ("蔡婵娟", "refused"),
    ):
        assert apply(client, persona)["status"] == status, persona
    for persona in ("翁丽娥", "沈德茂"):  # 社保 down: a person decides
        assert apply(client, persona, down={"SI"})["status"] == "manual_review"
        app.extensions["miaopi.datasource"] = SandboxDataSource()
    criminal_record_certificate(client, dev_login(client, "陈志明"))


def work_the_queue(app: Flask, approver_id: int, today: date) -> None:
    """One task decided by a person, the other left open and overdue."""
    with app.app_context():
        first, second = db.session.scalars(
            sa.select(ReviewTask).order_by(ReviewTask.id)
        ).all()
        decisions.review(
            first.public_id,
            staff_id=str(approver_id),
            approve=True,
            reason="已电话核实账户",
            documents=app.extensions["miaopi.documents"],
            now=utcnow(),
        )
        second = db.session.get(ReviewTask, second.id)
        second.due_on = today - timedelta(days=1)
        approved = db.session.scalars(
            sa.select(Application.id).order_by(Application.id).limit(2)
        ).all()
        for application_id, stars in zip(approved, (5, 2)):
            db.session.add(
                ServiceRating(
                    application_id=application_id,
                    stars=stars,
                    reasons=[],
                    channel="mobile",
                    created_at=utcnow(),
                )
            )
        db.session.commit()


def publish_dog_registration_v2(staff_id: int, today: date, now: datetime) -> None:
    v1 = version_of("dog-registration", 1)
    definition = copy.deepcopy(v1.definition)
    definition.update(version=2, effective_from=today.isoformat())
    definition["reform"].update(miaopi="Y", no_miaopi_reason="")
    definition["rules"]["checks"][0]["message"] += "（修订）"
    spec = ItemDef.model_validate(definition)
    db.session.add(
        ItemVersion(
            item=v1.item,
            version=2,
            status=VersionStatus.PUBLISHED,
            effective_from=today,
            name=spec.name,
            category=spec.category,
            miaobao=spec.reform.miaobao,
            miaopi=spec.reform.miaopi,
            proactive=spec.reform.proactive,
            definition=spec.model_dump(mode="json"),
            content_hash=catalog.content_hash(spec),
            loaded_at=now,
            published_at=now,
            created_by=f"staff:{staff_id}",
            published_by=f"staff:{staff_id}",
            change_reason="政策变化",
            change_note=CHANGE_NOTE,
        )
    )
    v1.effective_to = today


def version_of(code: str, number: int) -> ItemVersion:
    return db.session.scalars(
        sa.select(ItemVersion)
        .join(Item)
        .where(Item.code == code, ItemVersion.version == number)
    ).one()


@pytest.fixture
def known(world: Flask) -> Known:  # noqa: F811
    now = utcnow()
    today = local_date(now)
    make_account(world, "li.hua", "administrator", None)
    make_account(world, "zhang.wei", "approver", "lh-mz")
    submit_applications(world)
    with world.app_context():
        accounts = {
            a.username: a.id for a in db.session.scalars(sa.select(StaffAccount))
        }
        publish_dog_registration_v2(accounts["li.hua"], today, now)
        version_of("talent-hukou-transfer", 1).effective_to = today
        db.session.commit()
    work_the_queue(world, accounts["zhang.wei"], today)
    return Known(app=world, today=today, now=now, publisher="li.hua")


def read_xlsx(data: bytes) -> tuple[openpyxl.worksheet.worksheet.Worksheet, list[dict]]:
    """The sheet, and its data rows (from row 4 to the blank row) by header."""
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [cell.value for cell in sheet[3]]
    rows = []
    for values in sheet.iter_rows(min_row=4, values_only=True):
        if values[0] is None:
            break
        rows.append(dict(zip(header, values)))
    return sheet, rows


def as_date(value: object) -> date:
    assert isinstance(value, datetime), value  # a real date cell, not text
    return value.date()


# ------------------------------------------------------------ 清单


def test_the_annual_list_has_every_reform_item_in_force(known) -> None:
    with known.app.app_context():
        table = reports.build_annual_list(on=known.today)
        sheet, rows = read_xlsx(reports.to_xlsx(table, generated_at=known.now))
        listed = db.session.scalars(
            sa.select(Item.code)
            .join(ItemVersion)
            .where(ItemVersion.status != VersionStatus.DRAFT)
            .where(ItemVersion.effective_from <= known.today)
            .where(
                sa.or_(
                    ItemVersion.effective_to.is_(None),
                    ItemVersion.effective_to > known.today,
                )
            )
            .where(
                sa.or_(
                    ItemVersion.miaobao,
                    ItemVersion.miaopi != "N",
                    ItemVersion.proactive,
                )
            )
        ).all()
        dog_department = version_of("dog-registration", 2).item.department.name
    assert sheet["A1"].value == "秒批秒报事项清单"
    assert sheet.freeze_panes == "A4" and sheet["A3"].font.b
    assert [c.value for c in sheet[3]][:5] == [
        "序号",
        "实施部门",
        "事项名称",
        "业务办理项",
        "事项编码",
    ]
    assert len(rows) == len(listed) == 23  # 25 less 土地权属争议 and 人才落户
    assert [r["序号"] for r in rows] == list(range(1, 24))
    names = {r["事项名称"] for r in rows}
    assert "土地权属争议处理" not in " ".join(names)
    row = next(r for r in rows if r["事项名称"] == "养犬登记")
    assert row["实施部门"] == "汕头市公安局龙湖分局" == dog_department
    assert row["事项编码"] == "00012305100001"
    assert row["业务办理项"] == "养犬登记（首次登记/延续年审）"
    assert row["事项类型"] == "行政许可"
    assert row["改革类型"] == "秒报秒批、免申即享"  # v2, in force today
    assert row["实现方式"].startswith("表单预填、电子证照免提交")
    assert "户籍/人口库（公安）" in row["共享数据项（来源部门）"]
    assert row["上线渠道"] == "粤智助自助机、粤省事、窗口"
    assert (row["法定时限"], row["承诺时限"]) == ("20个工作日", "7个工作日")
    assert as_date(row["上线时间"]) == date(2026, 1, 1)
    assert "免申即享触发" in row["备注"] and "未全部秒批" not in row["备注"]
    partial = next(r for r in rows if r["事项名称"] == "残疾人证核发")
    assert partial["改革类型"] == "秒报"
    assert partial["备注"].startswith("未全部秒批原因：")


# ------------------------------------------------------------ 动态调整情况表


def test_adjustments_list_the_changes_of_the_period(known) -> None:
    with known.app.app_context():
        table = reports.build_adjustments(since=date(2026, 1, 1), until=known.today)
        _, rows = read_xlsx(reports.to_xlsx(table, generated_at=known.now))
        first_versions = db.session.scalar(
            sa.select(sa.func.count(ItemVersion.id)).where(
                ItemVersion.version == 1,
                ItemVersion.effective_from >= date(2026, 1, 1),
                sa.or_(
                    ItemVersion.miaobao,
                    ItemVersion.miaopi != "N",
                    ItemVersion.proactive,
                ),
            )
        )
    kinds = [r["调整类型"] for r in rows]
    assert kinds.count("新增") == first_versions == 24
    assert kinds.count("变更") == 1 and kinds.count("取消") == 1
    changed = next(r for r in rows if r["调整类型"] == "变更")
    assert (
        changed["事项名称"] == "养犬登记" and changed["部门"] == "汕头市公安局龙湖分局"
    )
    assert changed["调整前"].startswith("秒报秒批（部分秒批）、免申即享；实现方式：")
    assert changed["调整后"].startswith("秒报秒批、免申即享；实现方式：")
    assert changed["调整原因"] == "政策变化"
    assert as_date(changed["生效日期"]) == known.today
    assert CHANGE_NOTE in changed["备注"]
    assert "规则版本 v1→v2" in changed["备注"]
    assert f"发布：{known.publisher}" in changed["备注"]
    stopped = next(r for r in rows if r["调整类型"] == "取消")
    assert stopped["事项编码"] == "00012301100001"  # 人才落户
    assert stopped["调整后"] == "停止实施（移出清单）"
    assert as_date(stopped["生效日期"]) == known.today
    added = next(r for r in rows if r["事项名称"] == "高龄老人津贴申领")
    assert added["调整前"] == "—" and "发布：目录文件导入" in added["备注"]
    # A period that ends before the change has no 变更 row.
    with known.app.app_context():
        earlier = reports.build_adjustments(
            since=date(2026, 1, 1), until=known.today - timedelta(days=1)
        )
    assert "变更" not in earlier.column("调整类型")


# ------------------------------------------------------------ quarterly


def department_figures(code: str, since: datetime) -> dict:
    """What the database holds for one department's applications since ``since``."""
    applications = db.session.scalars(
        sa.select(Application)
        .join(ItemVersion)
        .join(Item)
        .join(Department)
        .where(Department.code == code, Application.submitted_at >= since)
    ).all()
    ids = [a.id for a in applications]
    first = {}
    for decision in db.session.scalars(
        sa.select(Decision)
        .where(Decision.application_id.in_(ids))
        .order_by(Decision.id)
    ):
        first.setdefault(decision.application_id, decision)
    auto = sum(d.automated and d.outcome != "manual" for d in first.values())
    final = {}  # each application's last approve or refuse, and how long it took
    for decision in db.session.scalars(
        sa.select(Decision)
        .where(Decision.application_id.in_(ids), Decision.outcome != "manual")
        .order_by(Decision.id)
    ):
        final[decision.application_id] = decision
    submitted = {a.id: a.submitted_at for a in applications}
    seconds = [
        (
            d.latency_ms / 1000
            if d.automated
            else (d.decided_at - submitted[d.application_id]).total_seconds()
        )
        for d in final.values()
    ]
    stars = db.session.scalars(
        sa.select(ServiceRating.stars).where(ServiceRating.application_id.in_(ids))
    ).all()
    return {
        "count": len(applications),
        "mobile": sum(a.channel == "mobile" for a in applications),
        "auto": auto / len(first),
        "manual": (len(first) - auto) / len(first),
        "median": round(statistics.median(seconds), 2),
        "stars": sum(stars) / len(stars) if stars else None,
        "good": sum(s >= 3 for s in stars) / len(stars) if stars else None,
    }


def test_the_quarterly_report_counts_what_the_database_holds(known) -> None:
    quarter = (known.today.month - 1) // 3 + 1
    first, _ = reports.quarter_bounds(known.today.year, quarter)
    with known.app.app_context():
        table = reports.build_quarterly(
            year=known.today.year, quarter=quarter, today=known.today
        )
        sheet, rows = read_xlsx(reports.to_xlsx(table, generated_at=known.now))
        civil = department_figures("lh-mz", day_start(first))
        police = department_figures("lh-ga", day_start(first))
        total = db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(
                Application.submitted_at >= day_start(first)
            )
        )
        civil_items = catalog.list_items(on=known.today, department="lh-mz")
        in_force = catalog.list_items(on=known.today)
        with_items = sorted(
            {v.item.department.code: v.item.department.name for v in in_force}.items()
        )
    by_name = {r["部门"]: r for r in rows}
    # Every department with items is listed, also those without applications.
    assert list(by_name) == [name for _, name in with_items] + ["合计"]
    assert by_name["合计"]["事项数"] == len(in_force)
    mz = by_name["汕头市龙湖区民政局"]
    assert mz["办件量"] == civil["count"] == 6
    assert mz["其中：移动端"] == civil["mobile"] == 6
    assert mz["其中：自助终端"] == mz["其中：窗口"] == 0
    assert mz["自动审批率"] == pytest.approx(civil["auto"]) == pytest.approx(4 / 6)
    assert mz["人工审批率"] == pytest.approx(civil["manual"])
    assert mz["好差评平均分"] == civil["stars"] == 3.5
    assert mz["好评率"] == civil["good"] == 0.5
    assert mz["逾期未审核数"] == 1  # the task left open past its due date
    assert mz["事项数"] == len(civil_items)
    assert mz["秒批事项数"] == sum(v.miaopi.value == "Y" for v in civil_items)
    assert mz["决定用时中位数"] == pytest.approx(civil["median"], abs=0.01)
    ga = by_name["汕头市公安局龙湖分局"]
    assert ga["办件量"] == police["count"] == 1 and ga["自动审批率"] == 1
    assert ga["好差评平均分"] == "—" and ga["逾期未审核数"] == 0
    assert by_name["合计"]["办件量"] == total == 7
    assert by_name["合计"]["逾期未审核数"] == 1
    mz_row = 4 + list(by_name).index("汕头市龙湖区民政局")  # data from row 4
    rate_cell = next(
        c for c in sheet[mz_row] if c.column == table.columns.index("自动审批率") + 1
    )
    assert rate_cell.number_format == "0.0%"


def test_a_quarter_not_yet_begun_or_out_of_range_is_refused(known) -> None:
    with known.app.app_context():
        with pytest.raises(ValidationError, match="尚未开始"):
            reports.build_quarterly(
                year=known.today.year + 1, quarter=1, today=known.today
            )
        with pytest.raises(ValidationError, match="季度须为 1 至 4"):
            reports.build_quarterly(year=2026, quarter=5, today=known.today)


# ------------------------------------------------------------ self-check


def test_the_self_check_flags_what_the_data_do_not_bear_out(known) -> None:
    with known.app.app_context():
        table = reports.build_self_check(since=date(2026, 1, 1), until=known.today)
        _, rows = read_xlsx(reports.to_xlsx(table, generated_at=known.now))
        used = set(
            db.session.scalars(
                sa.select(Item.code).join(ItemVersion).join(Application).distinct()
            )
        )
    problems = {(r["事项名称"], r["问题"]): r for r in rows}
    low = problems[("高龄老人津贴申领", "秒批率不足")]
    assert "已决定 6 件，系统自动决定 4 件，自动审批率 66.7%，低于阈值 80%" in (
        low["依据数据"]
    )
    assert low["部门"] == "汕头市龙湖区民政局"
    assert ("犯罪记录查询", "仅查询打印") in problems
    assert "《无犯罪记录证明》" in problems[("犯罪记录查询", "仅查询打印")]["依据数据"]
    unused = {name for name, problem in problems if problem == "期内无办件"}
    assert "养犬登记" in unused
    assert not unused & {"高龄老人津贴申领", "犯罪记录查询"}
    assert len(unused) == 23 - len(used)
    assert all(r["建议"] for r in rows)
    # At a lower threshold 4 of 6 is enough.
    with known.app.app_context():
        lenient = reports.build_self_check(
            since=date(2026, 1, 1), until=known.today, threshold=0.6
        )
    assert "秒批率不足" not in lenient.column("问题")


# ------------------------------------------------------------ PDF


def pdf_text(data: bytes, tmp_path, page: int | None = None) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        [require_tool("pdftotext", "poppler-utils"), "-enc", "UTF-8", *pages]
        + [str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.mark.parametrize(
    "build",
    [
        lambda k: reports.build_annual_list(on=k.today),
        lambda k: reports.build_adjustments(since=date(2026, 1, 1), until=k.today),
        lambda k: reports.build_quarterly(
            year=k.today.year, quarter=(k.today.month - 1) // 3 + 1, today=k.today
        ),
        lambda k: reports.build_self_check(since=date(2026, 1, 1), until=k.today),
    ],
    ids=["annual-list", "adjustments", "quarterly", "self-check"],
)
def test_each_report_prints_as_a_numbered_landscape_pdf(known, build, tmp_path) -> None:
    with known.app.app_context():
        table = build(known)
        data = reports.to_pdf(table, generated_at=known.now)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pages = len(pdf.pages)
        width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
    assert width > height  # landscape
    text = pdf_text(data, tmp_path)
    assert table.title in text and "生成时间：" in text
    for number in range(1, pages + 1):
        # pdftotext drops the spaces between Chinese and digits, and breaks
        # lines inside table cells.
        page = "".join(pdf_text(data, tmp_path, number).split())
        assert f"第{number}页共{pages}页" in page
        assert table.columns[1] in page  # the header repeats on every page
