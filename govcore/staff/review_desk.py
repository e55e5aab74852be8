"""What a staff member sees and decides of the review tasks.

An approver works on the tasks of their own department only: a task of another
department is answered as not found, so its existence is not revealed. An
auditor reads every department's tasks and decides none.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from govcore import decisions
from govcore.certificates.issuance import DocumentServices
from govcore.db import db
from govcore.decisions.models import Decision, ReviewTask
from govcore.errors import NotFoundError, ValidationError
from govcore.staff.models import StaffAccount
from govcore.staff.roles import require

TASK_STATUSES = ("open", "closed")


def visible_tasks(
    account: StaffAccount, *, status: str = "open", limit: int = 100
) -> list[ReviewTask]:
    """The tasks ``account`` may read, the soonest due first."""
    require(account.roles, "review.read")
    if status not in TASK_STATUSES:
        raise ValidationError(
            f"status 须为 {' 或 '.join(TASK_STATUSES)}", field="status"
        )
    query = _scoped(account).where(ReviewTask.status == status)
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


def _scoped(account: StaffAccount) -> sa.Select:
    query = sa.select(ReviewTask)
    if account.department_id is not None:
        query = query.where(ReviewTask.department_id == account.department_id)
    return query
