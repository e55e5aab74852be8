"""The console's work in Chromium: an administrator changes an item (draft,
an error shown at its line, cases, dry run, publication); a supervisor finds
a commitment false and the certificate's page says it is revoked; the
reports downloaded and opened."""

from __future__ import annotations

import re
from datetime import timedelta

import openpyxl
import sqlalchemy as sa

from govcore import catalog
from govcore.applications import Application, Status
from govcore.certificates.models import ResultDocument
from govcore.clock import local_date, utcnow
from govcore.db import db
from govcore.reports import build_annual_list
from tests.kiosk.harness import KioskServer, axe_violations, shot
from tests.integration.supervision_world import hygiene_permit
from tests.kiosk.test_console_browser import account, log_in


def test_dry_run_and_publish(kiosk_server: KioskServer, page) -> None:
    secret = account(kiosk_server, "catalogue.admin", "administrator")
    log_in(page, kiosk_server, "catalogue.admin", secret)
    page.wait_for_url(re.compile(r".*/admin/$"))
    page.get_by_role("link", name="事项目录").click()
    page.get_by_role("link", name="dog-registration").click()
    page.get_by_role("button", name=re.compile("修改事项")).click()
    page.wait_for_url("**/admin/catalogue/dog-registration/draft")

    editor = page.get_by_label("事项定义")
    text = editor.input_value()
    editor.fill(text.replace("miaobao: true", "miaobao: maybe", 1))
    page.get_by_role("button", name="保存草稿").click()
    problems = page.get_by_role("alert")
    assert "reform.miaobao" in problems.inner_text()
    jump = problems.get_by_role("link", name=re.compile(r"第 \d+ 行"))
    jump.click()  # selects that line in the editor
    selected = page.evaluate(
        "() => { const e = document.getElementById('definition');"
        " return e.value.slice(e.selectionStart, e.selectionEnd); }"
    )
    assert selected.strip() == "miaobao: maybe"
    shot(page, "console-05-draft-error")
    assert axe_violations(page) == []

    editor.fill(text.replace("miaobao: true", "miaobao: false", 1))
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url("**/draft?saved=1")
    page.get_by_role("button", name="运行测试用例").click()
    assert re.search(r"(\d+) / \1 个用例通过", page.inner_text("main"))
    assert page.get_by_role("button", name="发布第 2 版").is_disabled()
    page.get_by_role("button", name="试运行").click()
    page.wait_for_url("**/draft#dry-run")
    assert "对比了历史自动办件" in page.inner_text("#dry-run ~ .dry-run")
    later = local_date(utcnow()) + timedelta(days=30)
    page.get_by_label("生效日期").fill(later.isoformat())
    page.get_by_label("调整原因").select_option("流程优化")
    page.get_by_label("说明（将列入动态调整情况表）").fill("改为窗口核验后办理")
    shot(page, "console-06-dry-run")
    assert axe_violations(page) == []
    page.get_by_role("button", name="发布第 2 版").click()
    page.wait_for_url("**/admin/catalogue/dog-registration?published=2")
    history = page.locator("table.history tbody tr").first.inner_text()
    assert "秒报：是 → 否" in history and "流程优化" in history
    shot(page, "console-07-history")
    with kiosk_server.app.app_context():
        assert catalog.get_item_version("dog-registration", on=later).version == 2
        today = local_date(utcnow())
        assert catalog.get_item_version("dog-registration", on=today).version == 1


def test_a_false_commitment_revokes_the_certificate(
    kiosk_server: KioskServer, page
) -> None:
    application_id = hygiene_permit(kiosk_server.app.test_client())
    secret = account(kiosk_server, "wj.supervisor", "supervisor", "lh-wj")
    log_in(page, kiosk_server, "wj.supervisor", secret)
    page.wait_for_url(re.compile(r".*/admin/$"))
    page.get_by_role("link", name="事后监管").click()
    page.get_by_role("button", name="抽取").click()
    assert "抽中 1 件" in page.inner_text("main")
    with kiosk_server.app.app_context():
        application = db.session.scalars(
            sa.select(Application).filter_by(public_id=application_id)
        ).one()
        reference = application.reference_no
        token = db.session.scalar(
            sa.select(ResultDocument.token).filter_by(
                application_id=application.id, kind="certificate"
            )
        )
    page.get_by_role("link", name=reference).click()
    shot(page, "console-08-supervision-check")
    assert axe_violations(page) == []
    page.get_by_role("radio", name="承诺不实").check()
    page.get_by_label(re.compile("核查情况")).fill("现场核查：无卫生检测报告")
    page.get_by_label(re.compile("我已核实承诺不实")).check()
    page.get_by_role("button", name="提交结论").click()
    page.wait_for_url(re.compile(r".*/admin/supervision(\?.*)?$"))
    with kiosk_server.app.app_context():
        assert db.session.get(Application, application.id).status is Status.REVOKED
    page.goto(f"{kiosk_server.base_url}/verify/{token}")
    assert "已撤销" in page.inner_text("body")
    shot(page, "console-09-revoked-certificate")


def test_reports_download_and_open(kiosk_server: KioskServer, page, tmp_path) -> None:
    secret = account(kiosk_server, "report.admin", "administrator")
    log_in(page, kiosk_server, "report.admin", secret)
    page.wait_for_url(re.compile(r".*/admin/$"))
    page.get_by_role("link", name="报表").click()
    shot(page, "console-10-reports")
    assert axe_violations(page) == []
    downloads = {}
    for form in page.locator("form").all():
        if not form.get_by_role("button", name="下载 Excel").count():
            continue
        for label in ("下载 Excel", "下载 PDF"):
            with page.expect_download() as caught:
                form.get_by_role("button", name=label).click()
            download = caught.value
            path = tmp_path / download.suggested_filename
            download.save_as(path)
            downloads[download.suggested_filename] = path
    names = sorted(downloads)
    assert len(names) == 8, names  # four reports, each as xlsx and PDF
    for path in downloads.values():
        magic = path.read_bytes()[:4]
        assert magic == (b"%PDF" if path.suffix == ".pdf" else b"PK\x03\x04")
    # Chromium names the files by their Chinese filename* (RFC 6266).
    assert any(n.startswith("季度报告-") for n in names), names
    annual = downloads[
        next(n for n in names if n.startswith("秒批秒报事项清单") and n.endswith("x"))
    ]
    sheet = openpyxl.load_workbook(annual).active
    rows = [r for r in sheet.iter_rows(values_only=True) if isinstance(r[0], int)]
    with kiosk_server.app.app_context():
        expected = build_annual_list(on=local_date(utcnow()))
    assert len(rows) == len(expected.rows)
    assert {r[4] for r in rows} == {r[4] for r in expected.rows}  # 事项编码


def test_every_console_page_passes_axe(kiosk_server: KioskServer, page) -> None:
    # An auditor reads nearly every page; the approver's own desk adds forms.
    pages = {
        "console.auditor": (
            "auditor",
            None,
            [
                "/admin/",
                "/admin/catalogue",
                "/admin/catalogue/aged-allowance",
                "/admin/reviews",
                "/admin/tolerance",
                "/admin/corrections",
                "/admin/supervision",
                "/admin/reports",
                "/admin/reports/annual-list",
                "/admin/reports/adjustments",
                "/admin/reports/quarterly",
                "/admin/reports/self-check",
                "/admin/audit",
            ],
        ),
        "console.approver": (
            "approver",
            "lh-mz",
            ["/admin/reviews", "/admin/tolerance", "/admin/corrections"],
        ),
    }
    for username, (role, department, paths) in pages.items():
        secret = account(kiosk_server, username, role, department)
        log_in(page, kiosk_server, username, secret)
        page.wait_for_url(re.compile(r".*/admin/$"))
        for path in paths:
            response = page.goto(f"{kiosk_server.base_url}{path}")
            assert response.status == 200, path
            assert axe_violations(page) == [], path
        page.get_by_role("button", name="退出登录").click()
        page.wait_for_url("**/admin/login")
