"""What a staff member sees and decides of the review tasks.

An approver works on the tasks of their own department only: a task of another
department is answered as not found, so its existence is not revealed. An
auditor reads every department's tasks and decides none. An approver may
assign (指派) an open task to an approver of its department, themselves too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from govcore import audit, decisions
from govcore.certificates.issuance import DocumentServices
from govcore.db import db
from govcore.decisions.models import Decision, ReviewTask
from govcore.errors import ConflictError, NotFoundError, ValidationError
from govcore.staff.models import StaffAccount
from govcore.staff.roles import Role, require

TASK_STATUSES = ("open", "closed")


def visible_tasks(
    account: StaffAccount, *, status: str = "open", mine: bool = False, limit: int = 100
) -> list[ReviewTask]:
    """The tasks ``account`` may read, the soonest due first.

    :param mine: only those assigned to ``account``.
    """
    require(account.roles, "review.read")
    if status not in TASK_STATUSES:
        raise ValidationError(
            f"status 须为 {' 或 '.join(TASK_STATUSES)}", field="status"
        )
    query = _scoped(account).where(ReviewTask.status == status)
    if mine:
        query = query.where(ReviewTask.assigned_to == account.id)
    order = (
        (ReviewTask.due_on, ReviewTask.id)
        if status == "open"
        else (ReviewTask.closed_at.desc(), ReviewTask.id.desc())
    )
    return list(db.session.scalars(query.order_by(*order).limit(limit)))


def get_task(account: StaffAccount, task_id: str) -> ReviewTask:
    """:raise NotFoundError: if there is no such task within the account's reach."""
    require(account.roles, "review.read")
    task = db.session.scalar(_scoped(account).where(ReviewTask.public_id == task_id))
    if task is None:
        raise NotFoundError("审核任务不存在（task not found）")
    return task


def decide(
    account: StaffAccount,
    task_id: str,
    *,
    approve: bool,
    reason: str,
    documents: DocumentServices,
    now: datetime,
) -> Decision:
    """Approve or refuse the application of an open task of the account's
    department; commits."""
    require(account.roles, "review.decide")
    get_task(account, task_id)
    return decisions.review(
        task_id,
        staff_id=str(account.id),
        approve=approve,
        reason=reason,
        documents=documents,
        now=now,
    )


def assign(
    account: StaffAccount, task_id: str, *, assignee: str, now: datetime
) -> ReviewTask:
    """Assign an open task of the account's department to one of the
    department's active approvers (by username); audited, commits.

    :raise NotFoundError: if the task is not within the account's reach.
    :raise ConflictError: ``task_closed`` if the task is closed.
    :raise ValidationError: if ``assignee`` is not an active approver of the
        task's department.
    """
    require(account.roles, "review.assign")
    task = db.session.scalar(
        _scoped(account).where(ReviewTask.public_id == task_id).with_for_update()
    )
    if task is None:
        raise NotFoundError("审核任务不存在（task not found）")
    if task.status != "open":
        raise ConflictError(
            "该任务已办结，不能再指派（task closed）", code="task_closed"
        )
    target = next(
        (a for a in approvers(task.department_id) if a.username == assignee), None
    )
    if target is None:
        raise ValidationError(
            "请从列表中选择本部门在岗的审批人员（not an approver of the department）",
            field="assignee",
        )
    if task.assigned_to == target.id:
        return task
    previous, task.assigned_to, task.assigned_at = task.assigned_to, target.id, now
    audit.record_event(
        "review_assigned",
        actor=f"staff:{account.id}",
        at=now,
        target=f"application:{task.application.public_id}",
        details={
            "task": task.public_id,
            "from": f"staff:{previous}" if previous else "",
            "to": f"staff:{target.id}",
        },
    )
    db.session.commit()
    return task


def approvers(department_id: int) -> list[StaffAccount]:
    """The active approvers of a department, by name: whom tasks may go to."""
    accounts = db.session.scalars(
        sa.select(StaffAccount)
        .where(StaffAccount.department_id == department_id, StaffAccount.active)
        .order_by(StaffAccount.display_name, StaffAccount.id)
    )
    return [a for a in accounts if Role.APPROVER in a.role_set]


def names_of(staff_ids: Iterable[int | None]) -> dict[int, str]:
    """The display names of staff accounts, by id (for 指派给)."""
    ids = {i for i in staff_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(
            StaffAccount.id, StaffAccount.display_name, StaffAccount.username
        ).where(StaffAccount.id.in_(ids))
    )
    return {i: display or username for i, display, username in rows}


def _scoped(account: StaffAccount) -> sa.Select:
    query = sa.select(ReviewTask)
    if account.department_id is not None:
        query = query.where(ReviewTask.department_id == account.department_id)
    return query
