"""Staff: two-factor login, throttling, roles, and the review desk over HTTP.

Security R9 (MFA, no TOTP replay), R10 (throttling, no enumeration) and R11
(no default accounts, separate roles, driven by authorization_matrix.yaml).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
import yaml

from govcore import staff
from govcore.audit.log import AuditEvent, verify_chain
from govcore.clock import utcnow
from govcore.datahub.sandbox.service import SandboxDataSource
from govcore.db import db
from govcore.decisions import ReviewTask
from govcore.errors import ValidationError
from govcore.staff import StaffAccount, StaffSession
from tests.api.conftest import create_draft, dev_login

PASSWORD = "correct horse battery"
MATRIX = yaml.safe_load(
    (Path(__file__).with_name("authorization_matrix.yaml")).read_text("utf-8")
)
ACCOUNTS = {
    "operator": ("operator", "lh-mz"),
    "approver": ("approver", "lh-mz"),
    "approver_elsewhere": ("approver", "lh-rs"),
    "auditor": ("auditor", None),
    "sysadmin": ("sysadmin", None),
}


def make_account(app, username: str, role: str, department: str | None) -> str:
    """Create an account; return its TOTP secret."""
    with app.app_context():
        account, uri = staff.create_account(
            username,
            display_name=username,
            role=role,
            department_code=department,
            password=PASSWORD,
            now=utcnow(),
            actor="test",
        )
        db.session.commit()
        secret = pyotp.parse_uri(uri).secret
        assert secret == account.totp_secret
        return secret


def staff_login(client, username: str, secret: str, **extra) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "otp": pyotp.TOTP(secret).now()}
    response = client.post("/api/v1/staff/login", json={**body, **extra})
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def manual_task(app, client, persona: str = "陈伯") -> str:
    """Submit 高龄津贴 with 社保 down: a manual review task of 区民政局."""
    auth = dev_login(client, persona)
    detail = create_draft(client, auth, "aged-allowance")
    app.extensions["miaopi.datasource"] = SandboxDataSource(unavailable={"SI"})
    response = client.post(
        f"/api/v1/applications/{detail['id']}/submit",
        headers={**auth, "Idempotency-Key": f"k-{persona}"},
    )
    assert response.json["status"] == "manual_review"
    app.extensions["miaopi.datasource"] = SandboxDataSource()
    with app.app_context():
        return db.session.scalars(sa.select(ReviewTask.public_id)).one()


def actions(app, name: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.action == name)
                .order_by(AuditEvent.id)
            )
        )


# ----------------------------------------------------------------- login (R9)


def test_password_without_otp_is_refused_and_opens_no_session(world, client) -> None:
    make_account(world, "wang.li", "approver", "lh-mz")
    response = client.post(
        "/api/v1/staff/login", json={"username": "wang.li", "password": PASSWORD}
    )
    assert response.status_code == 401
    assert response.json["code"] == "login_failed"
    assert "Set-Cookie" not in response.headers
    with world.app_context():
        assert db.session.scalar(sa.select(sa.func.count(StaffSession.id))) == 0


def test_valid_totp_logs_in_and_a_replayed_one_fails(world, client) -> None:
    secret = make_account(world, "wang.li", "approver", "lh-mz")
    code = pyotp.TOTP(secret).now()
    body = {"username": "Wang.Li", "password": PASSWORD, "otp": code}
    first = client.post("/api/v1/staff/login", json=body)
    assert first.status_code == 201, first.json
    assert first.json["staff"] == {
        "username": "wang.li",
        "display_name": "wang.li",
        "roles": ["approver"],
        "role_label": "审批人员",
        "department": "lh-mz",
    }
    replay = client.post("/api/v1/staff/login", json=body)
    assert replay.status_code == 401
    me = client.get(
        "/api/v1/staff/me",
        headers={"Authorization": f"Bearer {first.json['token']}"},
    )
    assert me.status_code == 200 and me.json["roles"] == ["approver"]


def test_wrong_otp_and_wrong_password_fail_alike(world, client) -> None:
    secret = make_account(world, "wang.li", "approver", "lh-mz")
    wrong_otp = client.post(
        "/api/v1/staff/login",
        json={"username": "wang.li", "password": PASSWORD, "otp": "000000"},
    )
    wrong_password = client.post(
        "/api/v1/staff/login",
        json={
            "username": "wang.li",
            "password": "not the password",
            "otp": pyotp.TOTP(secret).now(),
        },
    )
    unknown = client.post(
        "/api/v1/staff/login",
        json={"username": "nobody", "password": PASSWORD, "otp": "123456"},
    )
    assert wrong_otp.status_code == wrong_password.status_code == unknown.status_code
    assert wrong_otp.json == wrong_password.json == unknown.json
    assert wrong_otp.status_code == 401


# ----------------------------------------------------------- throttling (R10)


def test_ten_failures_throttle_the_name_then_the_window_passes(
    world, client, monkeypatch
) -> None:
    secret = make_account(world, "wang.li", "approver", "lh-mz")
    for _ in range(staff.MAX_FAILURES):
        response = client.post(
            "/api/v1/staff/login",
            json={"username": "wang.li", "password": "guess", "otp": "111111"},
        )
        assert response.status_code == 401
    # Even the right password and code are refused while throttled.
    blocked = client.post(
        "/api/v1/staff/login",
        json={
            "username": "wang.li",
            "password": PASSWORD,
            "otp": pyotp.TOTP(secret).now(),
        },
    )
    assert blocked.status_code == 429
    assert blocked.json["code"] == "throttled"
    assert 1 <= int(blocked.headers["Retry-After"]) <= 301
    assert len(actions(world, "auth_failed")) == 10
    assert actions(world, "auth_throttled") == ["auth_throttled"]

    later = utcnow() + timedelta(minutes=5, seconds=1)
    monkeypatch.setattr("mobile_api.staff.utcnow", lambda: later)
    code = pyotp.TOTP(secret).at(later)
    after = client.post(
        "/api/v1/staff/login",
        json={"username": "wang.li", "password": PASSWORD, "otp": code},
    )
    assert after.status_code == 201, after.json
    with world.app_context():
        assert verify_chain() is None


def test_unknown_names_are_throttled_too(world, client) -> None:
    for _ in range(staff.MAX_FAILURES):
        client.post(
            "/api/v1/staff/login",
            json={"username": "ghost", "password": "x", "otp": "1"},
        )
    response = client.post(
        "/api/v1/staff/login", json={"username": "ghost", "password": "x", "otp": "1"}
    )
    assert response.status_code == 429


# ------------------------------------------------------- accounts and roles (R11)


@pytest.mark.parametrize("name", ["admin", "root", "test", "Administrator"])
def test_no_default_account_names_can_be_created(world, name) -> None:
    with world.app_context(), pytest.raises(ValidationError) as raised:
        staff.create_account(
            name,
            display_name="x",
            role="sysadmin",
            department_code=None,
            password=PASSWORD,
            now=utcnow(),
            actor="test",
        )
    assert raised.value.field == "username"


def test_a_fresh_installation_has_no_account_to_log_in_with(world, client) -> None:
    with world.app_context():
        assert db.session.scalar(sa.select(sa.func.count(StaffAccount.id))) == 0
    for name in ("admin", "root", "test"):
        for password in ("admin", "123456", "password", name):
            response = client.post(
                "/api/v1/staff/login",
                json={"username": name, "password": password, "otp": "000000"},
            )
            assert response.status_code == 401


@pytest.mark.parametrize(
    ("password", "username"),
    [("short", "wang.li"), ("wang.li-is-long-enough", "wang.li")],
)
def test_weak_passwords_are_refused(world, password, username) -> None:
    with world.app_context(), pytest.raises(ValidationError) as raised:
        staff.create_account(
            username,
            display_name="x",
            role="approver",
            department_code="lh-mz",
            password=password,
            now=utcnow(),
            actor="test",
        )
    assert raised.value.field == "password"


def test_departmental_roles_need_a_department_and_others_none(world) -> None:
    with world.app_context():
        for role, department in (("approver", None), ("auditor", "lh-mz")):
            with pytest.raises(ValidationError) as raised:
                staff.create_account(
                    f"someone.{role}",
                    display_name="x",
                    role=role,
                    department_code=department,
                    password=PASSWORD,
                    now=utcnow(),
                    actor="test",
                )
            assert raised.value.field == "department"


@pytest.mark.parametrize("row", MATRIX, ids=[row["request"] for row in MATRIX])
def test_authorization_matrix(world, client, row) -> None:
    task = manual_task(world, client)
    headers = {
        who: staff_login(client, f"{who}.x", make_account(world, f"{who}.x", *spec))
        for who, spec in ACCOUNTS.items()
    }
    method, path = row["request"].split(" ")
    url = path.format(task=task)
    for who, expected in row["expect"].items():
        response = client.open(
            url, method=method, json=row.get("body"), headers=headers[who]
        )
        assert response.status_code == expected, (who, response.json)


def test_a_citizen_token_does_not_open_the_staff_api(world, client) -> None:
    auth = dev_login(client, "陈伯")
    assert client.get("/api/v1/staff/review-tasks", headers=auth).status_code == 401
    assert client.get("/api/v1/staff/review-tasks").status_code == 401


# ------------------------------------------------------------- the review desk


def test_reviewer_sees_the_task_and_approves_it(world, client) -> None:
    task = manual_task(world, client)
    auth = staff_login(
        client, "wang.li", make_account(world, "wang.li", "approver", "lh-mz")
    )
    listing = client.get("/api/v1/staff/review-tasks", headers=auth).json["tasks"]
    assert [t["id"] for t in listing] == [task]
    assert listing[0]["kind"] == "manual_review"
    assert listing[0]["department"] == "lh-mz"
    assert listing[0]["overdue"] is False

    detail = client.get(f"/api/v1/staff/review-tasks/{task}", headers=auth).json
    application = detail["application_detail"]
    assert application["applicant"]["id_number_masked"].count("*") >= 8
    unknown = [c for c in detail["checks"] if c["status"] == "unknown"]
    assert unknown, detail["checks"]
    body = detail["application"]["id"]

    decided = client.post(
        f"/api/v1/staff/review-tasks/{task}/decision",
        json={"approve": True, "reason": "电话核实社保账户后批准"},
        headers=auth,
    )
    assert decided.status_code == 200, decided.json
    assert decided.json["outcome"] == "approve"
    assert decided.json["automated"] is False

    citizen = dev_login(client, "陈伯")
    after = client.get(f"/api/v1/applications/{body}", headers=citizen).json
    assert after["status"] == "approved"
    assert after["history"][-1]["actor"].startswith("staff:")

    again = client.post(
        f"/api/v1/staff/review-tasks/{task}/decision",
        json={"approve": False, "reason": "重复"},
        headers=auth,
    )
    assert again.status_code == 409
    assert client.get("/api/v1/staff/review-tasks", headers=auth).json["tasks"] == []
    closed = client.get("/api/v1/staff/review-tasks?status=closed", headers=auth).json[
        "tasks"
    ]
    assert [(t["id"], t["result"]) for t in closed] == [(task, "approve")]
    assert actions(world, "review_decided") == ["review_decided"]


def test_refusing_needs_a_reason(world, client) -> None:
    task = manual_task(world, client)
    auth = staff_login(
        client, "wang.li", make_account(world, "wang.li", "approver", "lh-mz")
    )
    response = client.post(
        f"/api/v1/staff/review-tasks/{task}/decision",
        json={"approve": False, "reason": "  "},
        headers=auth,
    )
    assert response.status_code == 422
    assert response.json["errors"] == {"reason": [response.json["message"]]}
    refused = client.post(
        f"/api/v1/staff/review-tasks/{task}/decision",
        json={"approve": False, "reason": "经核实，申请人已领取同类津贴"},
        headers=auth,
    )
    assert refused.status_code == 200
    assert refused.json["outcome"] == "refuse"


def test_logout_ends_the_staff_session(world, client) -> None:
    auth = staff_login(
        client, "wang.li", make_account(world, "wang.li", "approver", "lh-mz")
    )
    assert client.post("/api/v1/staff/logout", headers=auth).status_code == 204
    assert client.get("/api/v1/staff/me", headers=auth).status_code == 401


def test_disabled_accounts_lose_their_sessions(world, client) -> None:
    auth = staff_login(
        client, "wang.li", make_account(world, "wang.li", "approver", "lh-mz")
    )
    with world.app_context():
        account = db.session.scalar(sa.select(StaffAccount))
        account.active = False
        db.session.commit()
    assert client.get("/api/v1/staff/me", headers=auth).status_code == 401


def test_staff_cli_creates_an_account_and_refuses_reserved_names(world) -> None:
    runner = world.test_cli_runner()
    result = runner.invoke(
        args=["staff", "create", "li.na", "--role", "auditor", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert "otpauth://totp/" in result.output
    refused = runner.invoke(
        args=["staff", "create", "admin", "--role", "sysadmin", "--password", PASSWORD]
    )
    assert refused.exit_code == 1
    listing = runner.invoke(args=["staff", "list"])
    assert "li.na" in listing.output and "auditor" in listing.output
