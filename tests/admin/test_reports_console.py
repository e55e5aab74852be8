"""报表 in the console: the bureau downloads each report as xlsx and PDF
(named in ASCII and in Chinese, each download audited), others may not, and
parameters that make no sense get a message instead of a file."""

from __future__ import annotations

import io
from urllib.parse import quote

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask

from govcore.audit import AuditEvent
from govcore.db import db
from govcore.staff import StaffAccount
from tests.admin.test_console import log_in
from tests.api.test_staff_reviews import make_account

KINDS = {
    "annual-list": ("秒批秒报事项清单", "?on=2026-11-28", "annual-list-2026-11-28"),
    "adjustments": (
        "动态调整情况表",
        "?since=2026-01-01&until=2026-11-28",
        "adjustments-2026-01-01_2026-11-28",
    ),
    "quarterly": ("季度报告", "?year=2026&quarter=3", "quarterly-2026Q3"),
    "self-check": (
        "自查清理情况表",
        "?since=2026-01-01&until=2026-11-28&threshold=0.9",
        "self-check-2026-01-01_2026-11-28",
    ),
}
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def console(app: Flask, client, role: str) -> int:
    """Log in a new account of ``role``; return its id."""
    secret = make_account(
        app, f"{role}.one", role, None if role != "approver" else "lh-mz"
    )
    assert log_in(client, f"{role}.one", secret).status_code == 302
    with app.app_context():
        return db.session.scalar(
            sa.select(StaffAccount.id).where(StaffAccount.username == f"{role}.one")
        )


def exports(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "report_exported")
            .order_by(AuditEvent.id)
        ).all()


def test_the_administrator_downloads_every_report(world: Flask, client) -> None:
    staff_id = console(world, client, "administrator")
    home = client.get("/admin/").get_data(as_text=True)
    assert '<a href="/admin/reports">报表</a>' in home
    index = client.get("/admin/reports").get_data(as_text=True)
    for kind, (label, _, _) in KINDS.items():
        assert label in index and f"/admin/reports/{kind}.xlsx" in index
    for kind, (label, query, stem) in KINDS.items():
        for fmt, mimetype in MIMETYPES.items():
            response = client.get(f"/admin/reports/{kind}.{fmt}{query}")
            assert response.status_code == 200, (kind, fmt)
            assert response.mimetype == mimetype
            disposition = response.headers["Content-Disposition"]
            assert disposition.startswith(f'attachment; filename="{stem}.{fmt}"')
            assert f"filename*=UTF-8''{quote(label)}" in disposition
            disposition.encode("latin-1")  # a header must be Latin-1
            if fmt == "pdf":
                assert response.data.startswith(b"%PDF-")
            else:
                book = openpyxl.load_workbook(io.BytesIO(response.data))
                assert book.active["A1"].value.startswith("秒批秒报")
    events = exports(world)
    assert len(events) == 8
    assert {e.actor for e in events} == {f"staff:{staff_id}"}
    quarterly = [e for e in events if e.target == "report:quarterly"]
    assert [e.details for e in quarterly] == [
        {"format": fmt, "year": "2026", "quarter": "3"} for fmt in MIMETYPES
    ]


def test_the_preview_shows_the_table_with_the_defaults(world: Flask, client) -> None:
    console(world, client, "auditor")  # auditors read the reports too
    page = client.get("/admin/reports/annual-list").get_data(as_text=True)
    assert "<h1>秒批秒报事项清单</h1>" in page and "共 24 行" in page
    assert "养犬登记" in page and "土地权属争议处理" not in page
    assert 'name="on" value="' in page
    quarterly = client.get("/admin/reports/quarterly").get_data(as_text=True)
    assert "合计" in quarterly
    assert client.get("/admin/reports/nothing").status_code == 404
    assert client.get("/admin/reports/nothing.pdf").status_code == 404
    assert exports(world) == []  # a preview is not a download


@pytest.mark.parametrize(
    "path",
    [
        "/admin/reports",
        "/admin/reports/annual-list",
        "/admin/reports/annual-list.xlsx",
        "/admin/reports/quarterly.pdf",
    ],
)
def test_an_approver_may_not_read_the_reports(world: Flask, client, path) -> None:
    console(world, client, "approver")
    response = client.get(path)
    assert response.status_code == 403
    assert "报表" not in client.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/admin/reports/quarterly?year=2026&quarter=5", "季度须为 1 至 4"),
        ("/admin/reports/quarterly.xlsx?year=二〇二六&quarter=1", "年份须为数字"),
        (
            "/admin/reports/quarterly.pdf?year=2999&quarter=1",
            "年份须在 2000 至 2100 之间",
        ),
        ("/admin/reports/annual-list.xlsx?on=2026-13-01", "截至日期格式不正确"),
        (
            "/admin/reports/adjustments.pdf?since=2026-12-01&until=2026-01-01",
            "开始日期不能晚于结束日期",
        ),
        ("/admin/reports/self-check?threshold=abc", "秒批率阈值须为数字"),
        ("/admin/reports/self-check.xlsx?threshold=1.5", "阈值须大于 0 且不超过 1"),
    ],
)
def test_bad_parameters_get_a_message(world: Flask, client, path, message) -> None:
    console(world, client, "administrator")
    response = client.get(path)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "参数有误" in page and message in page
    assert exports(world) == []
