"""指派: an approver hands an open review task to another approver of the
department; the queue shows whom to, and "我的" lists one's own; audited;
anyone else, or a closed task, is refused and nothing changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from govcore.audit import AuditEvent
from govcore.db import db
from govcore.decisions import ReviewTask
from govcore.staff import StaffAccount
from tests.admin.test_console import csrf, log_in
from tests.admin.test_tolerance_desk import console
from tests.api.test_staff_reviews import make_account, manual_task


def assignment(app: Flask) -> tuple[int | None, int]:
    """The task's assignee id and how many review_assigned events there are."""
    with app.app_context():
        task = db.session.scalars(sa.select(ReviewTask)).one()
        events = db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.action == "review_assigned")
        )
        return task.assigned_to, events


def account_id(app: Flask, username: str) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(StaffAccount.id).where(StaffAccount.username == username)
        )


def assign(client, task: str, assignee: str):
    token = csrf(client, "/admin/")
    return client.post(
        f"/admin/reviews/{task}/assign",
        data={"assignee": assignee, "csrf_token": token},
    )


def test_an_approver_assigns_a_task_to_a_colleague(world: Flask, client) -> None:
    task = manual_task(world, world.test_client())
    make_account(world, "li.na", "approver", "lh-mz")
    make_account(world, "zhao.min", "supervisor", "lh-mz")
    console(world, client, "approver", "lh-mz")
    page = client.get(f"/admin/reviews/{task}").get_data(as_text=True)
    assert "指派给：未指派" in page
    assert '<option value="li.na">' in page and "（我）" in page
    assert 'value="zhao.min"' not in page  # a supervisor is no approver
    assert "未指派" in client.get("/admin/reviews").get_data(as_text=True)

    response = assign(client, task, "li.na")
    assert response.status_code == 302
    assert response.location == f"/admin/reviews/{task}"
    assert assignment(world) == (account_id(world, "li.na"), 1)
    queue = client.get("/admin/reviews").get_data(as_text=True)
    assert "<td>li.na</td>" in queue
    assert task not in client.get("/admin/reviews?mine=1").get_data(as_text=True)
    assert "指派给：li.na" in client.get(f"/admin/reviews/{task}").get_data(True)
    with world.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "review_assigned")
        ).one()
        assert event.details["task"] == task
        assert event.details["to"] == f"staff:{account_id(world, 'li.na')}"

    # Li Na finds it under 我的.
    other = world.test_client()
    secret = make_account(world, "li.na2", "approver", "lh-mz")
    log_in(other, "li.na2", secret)
    assert task not in other.get("/admin/reviews?mine=1").get_data(as_text=True)
    assert assign(client, task, "li.na2").status_code == 302
    assert task in other.get("/admin/reviews?mine=1").get_data(as_text=True)
    assert assignment(world)[1] == 2


@pytest.mark.parametrize(
    "assignee",
    ["", "nobody", "approver.lh-rs", "zhao.min"],
    ids=["blank", "unknown", "other-department", "not-an-approver"],
)
def test_only_approvers_of_the_department_can_be_chosen(
    world, client, assignee
) -> None:
    task = manual_task(world, world.test_client())
    make_account(world, "approver.lh-rs", "approver", "lh-rs")
    make_account(world, "zhao.min", "supervisor", "lh-mz")
    console(world, client, "approver", "lh-mz")
    response = assign(client, task, assignee)
    assert response.status_code == 422
    assert "请从列表中选择本部门在岗的审批人员" in response.get_data(as_text=True)
    assert assignment(world) == (None, 0)


def test_a_disabled_approver_cannot_be_chosen(world, client) -> None:
    task = manual_task(world, world.test_client())
    make_account(world, "li.na", "approver", "lh-mz")
    with world.app_context():
        account = db.session.scalars(
            sa.select(StaffAccount).where(StaffAccount.username == "li.na")
        ).one()
        account.active = False
        db.session.commit()
    console(world, client, "approver", "lh-mz")
    assert 'value="li.na"' not in client.get(f"/admin/reviews/{task}").get_data(True)
    assert assign(client, task, "li.na").status_code == 422
    assert assignment(world) == (None, 0)


def test_other_departments_and_auditors_cannot_assign(world, client) -> None:
    task = manual_task(world, world.test_client())
    make_account(world, "li.na", "approver", "lh-mz")
    console(world, client, "approver", "lh-rs")
    assert assign(client, task, "li.na").status_code == 404
    auditor = console(world, world.test_client(), "auditor", None)
    page = auditor.get(f"/admin/reviews/{task}").get_data(as_text=True)
    assert "指派给：未指派" in page and 'name="assignee"' not in page
    token = csrf(auditor, "/admin/")
    refused = auditor.post(
        f"/admin/reviews/{task}/assign", data={"assignee": "li.na", "csrf_token": token}
    )
    assert refused.status_code == 403
    assert assignment(world) == (None, 0)


def test_a_closed_task_is_not_assigned(world, client) -> None:
    task = manual_task(world, world.test_client())
    make_account(world, "li.na", "approver", "lh-mz")
    console(world, client, "approver", "lh-mz")
    token = csrf(client, f"/admin/reviews/{task}")
    decided = client.post(
        f"/admin/reviews/{task}/decision",
        data={"decision": "approve", "reason": "核实后批准", "csrf_token": token},
    )
    assert decided.status_code == 302
    response = assign(client, task, "li.na")
    assert response.status_code == 409 and "已办结" in response.get_data(True)
    assert assignment(world) == (None, 0)
