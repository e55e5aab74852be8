"""The staff console in Chromium: login with password and TOTP, a manual
review decided, the fleet (the live server of the kiosk tests)."""

from __future__ import annotations

import re
from typing import Any

import pyotp

from govcore import staff
from govcore.applications import Status
from govcore.clock import utcnow
from govcore.db import db
from govcore.terminals import kiosk
from tests.kiosk.harness import KioskServer, axe_violations, shot, wait_for
from tests.kiosk.test_kiosk_flows import (
    application_of,
    apply_with_a_source_down,
    prints_finished,
)

PASSWORD = "correct horse battery"


def account(server: KioskServer, username: str, role: str, department=None) -> str:
    with server.app.app_context():
        _, uri = staff.create_account(
            username,
            display_name="张伟",
            role=role,
            department_code=department,
            password=PASSWORD,
            now=utcnow(),
            actor="test",
        )
        db.session.commit()
    return pyotp.parse_uri(uri).secret


def log_in(page: Any, server: KioskServer, username: str, secret: str) -> None:
    page.goto(f"{server.base_url}/admin/")
    page.wait_for_url(re.compile(r".*/admin/login\?next="))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("动态口令").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="登录").click()


def test_login_with_totp_and_a_manual_review(kiosk_server, page, new_context) -> None:
    # A citizen at the kiosk while 社保 is down: a task for 区民政局.
    kiosk_page = new_context().new_page()
    apply_with_a_source_down(kiosk_page, kiosk_server, "陈伯", "SI")
    prints_finished(kiosk_page)
    kiosk_server.remove_card()

    secret = account(kiosk_server, "zhang.wei", "approver", "lh-mz")
    page.goto(f"{kiosk_server.base_url}/admin/")
    shot(page, "console-01-login")
    assert axe_violations(page) == []
    page.get_by_label("用户名").fill("zhang.wei")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("动态口令").fill("000000")
    page.get_by_role("button", name="登录").click()
    assert "用户名、密码或动态口令不正确" in page.inner_text("main")
    page.get_by_label("用户名").fill("zhang.wei")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("动态口令").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/admin/$"))
    shot(page, "console-02-today")
    assert axe_violations(page) == []
    assert "转人工" in page.inner_text("main")

    page.get_by_role("link", name="人工审核").click()
    page.wait_for_url("**/admin/reviews")
    reference = application_of(kiosk_server, "陈伯").reference_no
    page.get_by_role("link", name=reference).click()
    shot(page, "console-03-review")
    assert axe_violations(page) == []
    text = page.inner_text("main")
    assert "户籍/人口库（公安）" in text and "无法核验" in text
    page.get_by_label("批准", exact=True).check()
    page.get_by_label("理由（将告知申请人）").fill("已电话核实社保卡金融账户")
    page.get_by_role("button", name="提交决定").click()
    page.wait_for_url("**/admin/reviews")
    assert reference not in page.inner_text("main")
    assert application_of(kiosk_server, "陈伯").status is Status.APPROVED

    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/admin/login")
    page.goto(f"{kiosk_server.base_url}/admin/reviews")
    assert "/admin/login" in page.url


def test_the_fleet_in_the_browser(kiosk_server, page) -> None:
    kiosk_server.wait_terminal_online()
    kiosk_server.set_fault(a4_fault="media-empty")
    kiosk_server.errors.clear()

    def reported() -> bool:  # the next heartbeat (every 10 s) carries it
        with kiosk_server.app.app_context():
            terminal = kiosk.terminal_by_code(kiosk_server.terminal)
            return "media-empty" in terminal.devices["a4_printer"]["reasons"]

    wait_for(reported, timeout=15)
    secret = account(kiosk_server, "admin.one", "administrator")
    log_in(page, kiosk_server, "admin.one", secret)
    page.wait_for_url(re.compile(r".*/admin/$"))
    page.get_by_role("link", name="终端管理").click()
    page.wait_for_url("**/admin/fleet")
    row = page.locator("tr", has_text=kiosk_server.terminal)
    assert "在线" in row.inner_text() and "缺纸" in row.inner_text()
    assert "attention" in row.get_attribute("class")
    shot(page, "console-04-fleet")
    assert axe_violations(page) == []
