"""The 容缺 queue at /admin/tolerance: applications accepted through the mobile
API with a material owed, their deadline and reminders; lapsed ones and what
the lapse did; resumed ones once the material was supplied; who sees what."""

from __future__ import annotations

import io
import re
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from govcore import applications as apps
from govcore.applications import Application
from govcore.clock import DISTRICT_TZ, local_date, utcnow
from govcore.db import db
from govcore.notifications import InboxChannel, dispatch_due
from tests.admin.test_console import log_in
from tests.api.conftest import dev_login
from tests.api.test_staff_reviews import make_account
from tests.api.test_submission import png_bytes, relief_draft, sign, submit

OWED = "困难事由证明"


def tolerance_application(app: Flask, client: FlaskClient, persona="吴建新") -> str:
    """Submit 临时救助 with the hardship proof owed (容缺受理, 区民政局);
    return the application's public id."""
    auth = dev_login(client, persona)
    detail = relief_draft(client, auth)
    assert (
        sign(client, auth, detail["id"], consent={"confirmed": True}).status_code == 201
    )
    response = submit(client, auth, detail["id"], key=f"tolerance-{persona}")
    assert response.json["status"] == "awaiting_materials", response.json
    return detail["id"]


def console(world: Flask, client: FlaskClient, role: str, department: str | None):
    """Log ``client`` in to the console as a new account of ``role``."""
    username = f"{role}.{department or 'bureau'}"
    secret = make_account(world, username, role, department)
    assert log_in(client, username, secret).status_code == 302
    return client


def row_of(page: str, text: str) -> str:
    """The table row (with its opening tag) that contains ``text``."""
    return next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", page, re.S) if text in r)


def the_application(public_id: str) -> Application:
    return db.session.scalar(
        sa.select(Application).where(Application.public_id == public_id)
    )


def at_nine(day) -> datetime:
    return datetime.combine(day, time(9, 0), DISTRICT_TZ)


def test_the_queue_shows_what_is_owed_by_when_and_the_reminders(
    world: Flask, client: FlaskClient
) -> None:
    public_id = tolerance_application(world, world.test_client())
    with world.app_context():
        application = the_application(public_id)
        reference, due = application.reference_no, application.materials_due_on
    console(world, client, "approver", "lh-mz")
    page = client.get("/admin/tolerance").get_data(as_text=True)
    assert 'href="/admin/tolerance"' in page  # in the navigation
    row = row_of(page, reference)
    assert "临时救助" in row and OWED in row
    assert "吴**（4405**********005X）" in row and "44050719750618005X" not in page
    assert due.isoformat() in row and "5 个工作日" in row
    assert "已发送 0 次" in row and "下次" in row
    assert "容缺受理，待补齐材料" in row
    assert 'class="attention"' not in row and 'class="overdue"' not in row

    # The worker hands the first reminder over (the day before the deadline).
    with world.app_context():
        dispatch_due([InboxChannel()], now=at_nine(due - timedelta(days=1)))
    row = row_of(client.get("/admin/tolerance").get_data(as_text=True), reference)
    assert "已发送 1 次（送达 1 次）" in row, row
    assert f"下次 {due.strftime('%m-%d')} 09:00" in row


@pytest.mark.parametrize(
    ("days_after_due", "css", "words"),
    [(0, "attention", "今日截止"), (1, "overdue", "已过期限")],
)
def test_due_soon_and_past_due_are_highlighted(
    world, client, days_after_due, css, words
) -> None:
    public_id = tolerance_application(world, world.test_client())
    with world.app_context():
        application = the_application(public_id)
        reference = application.reference_no
        # As if filed days ago: the deadline is today, or was yesterday and
        # the sweep has not run yet.
        due = local_date(utcnow()) - timedelta(days=days_after_due)
        application.materials_due_on = due
        db.session.commit()
    console(world, client, "operator", "lh-mz")
    row = row_of(client.get("/admin/tolerance").get_data(as_text=True), reference)
    assert f'class="{css}"' in row and words in row and due.isoformat() in row


def test_a_lapsed_deadline_is_listed_with_what_the_lapse_did(world, client) -> None:
    public_id = tolerance_application(world, world.test_client())
    with world.app_context():
        store = world.extensions["miaopi.filestore"]
        later = utcnow() + timedelta(days=30)
        calendar = world.extensions["miaopi.calendar"]
        assert apps.sweep(now=later, store=store, calendar=calendar).lapsed == 1
        application = the_application(public_id)
        reference, due = application.reference_no, application.materials_due_on
    console(world, client, "approver", "lh-mz")
    assert reference not in client.get("/admin/tolerance").get_data(as_text=True)
    page = client.get("/admin/tolerance?tab=lapsed").get_data(as_text=True)
    row = row_of(page, reference)
    assert "人工审核中：容缺材料逾期未补交" in row and due.isoformat() in row
    assert "吴**" in row and "人工审核中</td>" in row
    # A lapse more than 90 days ago is no longer listed.
    with world.app_context():
        change = the_application(public_id).history[-1]
        change.at = utcnow() - timedelta(days=91)
        db.session.commit()
    assert reference not in client.get("/admin/tolerance?tab=lapsed").get_data(True)


def test_supplying_the_owed_material_moves_it_to_resumed(world, client) -> None:
    api = world.test_client()
    public_id = tolerance_application(world, api)
    upload = api.post(
        f"/api/v1/applications/{public_id}/materials/hardship_proof/uploads",
        data={"file": (io.BytesIO(png_bytes()), "proof.png")},
        headers=dev_login(api, "吴建新"),
    )
    assert upload.status_code == 201, upload.json
    with world.app_context():
        reference = the_application(public_id).reference_no
    console(world, client, "approver", "lh-mz")
    assert reference not in client.get("/admin/tolerance").get_data(as_text=True)
    row = row_of(client.get("/admin/tolerance?tab=resumed").get_data(True), reference)
    assert "申请人" in row and "人工审核中" in row
    assert reference not in client.get("/admin/tolerance?tab=lapsed").get_data(True)


@pytest.mark.parametrize(
    ("role", "department", "sees"),
    [
        ("operator", "lh-mz", True),
        ("auditor", None, True),
        ("approver", "lh-rs", False),  # another department's
    ],
)
def test_who_sees_the_queue(world, client, role, department, sees) -> None:
    public_id = tolerance_application(world, world.test_client())
    with world.app_context():
        reference = the_application(public_id).reference_no
    console(world, client, role, department)
    response = client.get("/admin/tolerance")
    assert response.status_code == 200
    assert (reference in response.get_data(as_text=True)) is sees


def test_supervisors_have_no_queue_and_unknown_tabs_are_not_found(
    world, client
) -> None:
    console(world, client, "supervisor", "lh-mz")
    assert client.get("/admin/tolerance").status_code == 403
    assert 'href="/admin/tolerance"' not in client.get("/admin/").get_data(True)
    other = console(world, world.test_client(), "approver", "lh-mz")
    assert other.get("/admin/tolerance?tab=everything").status_code == 404
    assert "没有待补交材料的办件" in other.get("/admin/tolerance").get_data(True)
