"""The staff console at /admin/: login with password and TOTP, every route
against every role (console_matrix.yaml), the review queue worked through,
the fleet and the day's figures."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
import yaml
from flask import Flask
from flask.testing import FlaskClient

from govcore import terminals
from govcore.applications import Application, Status
from govcore.clock import utcnow
from govcore.db import db
from govcore.decisions import ReviewTask
from tests.admin.desk_records import correction_request
from tests.api.test_staff_reviews import PASSWORD, make_account, manual_task
from tests.integration.supervision_world import relief_check

MATRIX = yaml.safe_load(
    Path(__file__).with_name("console_matrix.yaml").read_text("utf-8")
)
ROLES = {
    "operator": "lh-mz",
    "approver": "lh-mz",
    "supervisor": "lh-mz",
    "administrator": None,
    "auditor": None,
    "sysadmin": None,
}


def csrf(client: FlaskClient, path: str = "/admin/login") -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(client: FlaskClient, username: str, secret: str, **extra: str):
    return client.post(
        "/admin/login",
        data={
            "username": username,
            "password": PASSWORD,
            "otp": pyotp.TOTP(secret).now(),
            "csrf_token": csrf(client),
            **extra,
        },
    )


def test_every_page_needs_a_login(world: Flask, client) -> None:
    for rule in world.url_map.iter_rules():
        if rule.endpoint.startswith("admin.") and "GET" in rule.methods:
            if rule.endpoint == "admin.login":
                continue
            path = re.sub(r"<int:[^>]+>", "1", rule.rule)
            path = re.sub(r"<[^>]+>", "x", path)
            response = client.get(path)
            assert response.status_code == 302, path
            assert response.location.startswith("/admin/login?next=")


def test_login_with_password_and_totp_then_logout(world: Flask, client) -> None:
    secret = make_account(world, "zhang.wei", "approver", "lh-mz")
    wrong_otp = client.post(
        "/admin/login",
        data={
            "username": "zhang.wei",
            "password": PASSWORD,
            "otp": "000000",
            "csrf_token": csrf(client),
        },
    )
    unknown = client.post(
        "/admin/login",
        data={
            "username": "nobody",
            "password": PASSWORD,
            "otp": "000000",
            "csrf_token": csrf(client),
        },
    )
    assert wrong_otp.status_code == unknown.status_code == 401
    message = "用户名、密码或动态口令不正确"
    assert message in wrong_otp.get_data(True) and message in unknown.get_data(True)
    assert client.get("/admin/").status_code == 302
    ok = log_in(client, "zhang.wei", secret, next="/admin/reviews")
    assert ok.status_code == 302 and ok.location == "/admin/reviews"
    home = client.get("/admin/")
    assert home.status_code == 200 and "今日概况" in home.get_data(True)
    assert home.headers["Cache-Control"] == "no-store"
    out = client.post("/admin/logout", data={"csrf_token": csrf(client, "/admin/")})
    assert out.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert client.get("/admin/").status_code == 302


def test_a_login_form_without_its_csrf_token_is_refused(world, client) -> None:
    secret = make_account(world, "zhang.wei", "approver", "lh-mz")
    response = client.post(
        "/admin/login",
        data={
            "username": "zhang.wei",
            "password": PASSWORD,
            "otp": pyotp.TOTP(secret).now(),
        },
    )
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_the_next_page_stays_in_the_console(world, client) -> None:
    secret = make_account(world, "zhang.wei", "approver", "lh-mz")
    response = log_in(client, "zhang.wei", secret, next="//evil.example/admin/")
    assert response.location == "/admin/"


@pytest.mark.parametrize("role", list(ROLES))
def test_console_matrix(world: Flask, client, role: str) -> None:
    # What the rows' placeholders stand for: one line per kind of record.
    values = {"task": manual_task(world, world.test_client())}
    values["check"] = relief_check(world, world.test_client())
    values["correction"] = correction_request(world, world.test_client())
    secret = make_account(world, f"{role}.one", role, ROLES[role])
    assert log_in(client, f"{role}.one", secret).status_code == 302
    for row in MATRIX:
        method, path = row["request"].split()
        path = path.format_map(values)
        data = {**row.get("form", {}), "csrf_token": csrf(client, "/admin/")}
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data=data)
        assert response.status_code == row["expect"][role], (role, method, path)


def test_every_console_route_is_in_the_matrix(world: Flask) -> None:
    # Each row's path is matched against the url_map, so rows may name real
    # values (an item code) or placeholders ({task}) alike.
    urls = world.url_map.bind("localhost")
    listed = set()
    for row in MATRIX:
        method, path = row["request"].split()
        endpoint, _ = urls.match(re.sub(r"\{[^}]+\}", "x", path), method=method)
        listed.add((method, endpoint))
        assert set(row["expect"]) == set(ROLES), row["request"]
    for rule in world.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (
                method,
                rule.endpoint,
            ) in listed, f"{method} {rule.rule} not in the matrix"


def test_an_approver_works_the_queue(world: Flask, client) -> None:
    task_id = manual_task(world, world.test_client())
    secret = make_account(world, "zhang.wei", "approver", "lh-mz")
    log_in(client, "zhang.wei", secret)
    queue = client.get("/admin/reviews").get_data(as_text=True)
    assert "高龄老人津贴申领" in queue and task_id in queue
    page = client.get(f"/admin/reviews/{task_id}").get_data(as_text=True)
    assert "户籍/人口库（公安）" in page  # where each value came from
    assert "无法核验" in page  # the check that sent it to a person
    assert "4405**********0010" in page and "440507194401150010" not in page
    token = csrf(client, f"/admin/reviews/{task_id}")
    no_choice = client.post(
        f"/admin/reviews/{task_id}/decision",
        data={"reason": "x", "csrf_token": token},
    )
    assert no_choice.status_code == 422 and "请选择" in no_choice.get_data(True)
    done = client.post(
        f"/admin/reviews/{task_id}/decision",
        data={"decision": "approve", "reason": "已电话核实账户", "csrf_token": token},
    )
    assert done.status_code == 302
    with world.app_context():
        task = db.session.scalars(sa.select(ReviewTask)).one()
        assert (task.status, task.result) == ("closed", "approve")
        application = db.session.get(Application, task.application_id)
        assert application.status is Status.APPROVED
    assert task_id not in client.get("/admin/reviews").get_data(as_text=True)
    closed = client.get("/admin/reviews?status=closed").get_data(as_text=True)
    assert task_id in closed and "批准" in closed


def test_the_fleet_page_shows_each_kiosk_and_its_devices(world, client) -> None:
    with world.app_context():
        terminal, _ = terminals.register(
            "LH-JX-001", name="金霞1号机", location="金霞街道", now=utcnow(), actor="t"
        )
        terminals.register(
            "LH-LX-002", name="龙祥1号机", location="龙祥街道", now=utcnow(), actor="t"
        )
        terminals.record_event(
            terminal,
            event_id="evt-00000001",
            kind="heartbeat",
            sent_at=utcnow(),
            data={
                "devices": {
                    "a4_printer": {
                        "state": "needs_attention",
                        "reasons": ["media-empty"],
                        "message": "A4打印机缺纸",
                    }
                }
            },
            now=utcnow(),
        )
        db.session.commit()
    secret = make_account(world, "admin.one", "administrator", None)
    log_in(client, "admin.one", secret)
    page = client.get("/admin/fleet").get_data(as_text=True)
    assert "金霞1号机" in page and "龙祥1号机" in page
    assert "A4打印机缺纸" in page and "在线" in page and "离线" in page
    assert page.index("金霞1号机") < page.index("龙祥1号机")


def test_the_day_in_figures(world: Flask, client) -> None:
    manual_task(world, world.test_client())
    secret = make_account(world, "admin.one", "administrator", None)
    log_in(client, "admin.one", secret)
    page = client.get("/admin/").get_data(as_text=True)
    numbers = dict(
        (label, value)
        for value, label in re.findall(
            r'<span class="num">([^<]+)</span><span>([^<（]+)', page
        )
    )
    assert numbers["今日提交办件"] == "1" and numbers["转人工"] == "1"
    assert numbers["待审核"] == "1"


def test_the_catalogue_page_lists_every_item(world: Flask, client) -> None:
    secret = make_account(world, "admin.one", "administrator", None)
    log_in(client, "admin.one", secret)
    page = client.get("/admin/catalogue").get_data(as_text=True)
    assert "在用事项 25 项" in page
    assert page.count("<code>") == 25
