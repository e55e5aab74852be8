"""秒批: deciding a submitted application, explaining it, and people reviewing it.

:func:`decide` runs inside the submitting use case's transaction: gather the
facts, evaluate the item's published rules, store the decision with its
snapshot and trace, move the application, and write the outbox message and, for
manual review, a task for the department. Anything unexpected on the way makes
the outcome ``manual``: the system never approves what it could not check.
"""

from __future__ import annotations

import logging
from decimal import Decimal
import secrets
import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from govcore import audit
from govcore.applications.models import Application, Status
from govcore.applications.transitions import change_status
from govcore.certificates.issuance import DocumentServices, issue_for_decision
from govcore.clock import local_date
from govcore.datahub import DataSource
from govcore.db import db
from govcore.decisions.facts import gather
from govcore.decisions.models import Decision, ReviewTask
from govcore.errors import ConflictError, NotFoundError, ValidationError
from govcore.notifications import enqueue
from govcore.rules.interpreter import UNKNOWN
from govcore.rules.engine import (
    CheckResult,
    Verdict,
    compile_rules,
    evaluate,
    snapshot_digest,
)
from govcore.workdays import WorkCalendar

log = logging.getLogger(__name__)

OUTCOME_STATUS = {
    "approve": Status.APPROVED,
    "refuse": Status.REFUSED,
    "manual": Status.MANUAL_REVIEW,
}
DEFAULT_REVIEW_DAYS = 5


def decide(
    application: Application,
    *,
    source: DataSource,
    calendar: WorkCalendar,
    documents: DocumentServices,
    now: datetime,
) -> Decision:
    """Decide a ``submitted`` application by its item's rules and issue the
    document the outcome calls for (no commit)."""
    started = time.perf_counter()
    spec = application.item_version.spec
    rules = compile_rules(spec)
    snapshot: dict[str, Any] = {}
    try:
        snapshot = gather(application, rules, source, now=now)
        verdict = evaluate(rules, snapshot)
    except sa.exc.DBAPIError:
        # Our own database failed (gone mid-request): the transaction is lost,
        # so no decision can be recorded; the request fails and is retried.
        raise
    except Exception:  # fail closed: a person decides what the system could not
        log.exception("decision failed for application %s", application.public_id)
        verdict = Verdict("manual", [], reasons=["系统核验出错，转人工审核"])
    decision = Decision(
        application=application,
        outcome=verdict.outcome,
        automated=True,
        decided_by="system",
        item_version=application.item_version.version,
        rule_set=rules.label,
        rule_digest=rules.digest,
        snapshot=snapshot,
        snapshot_hash=snapshot_digest(snapshot),
        checks=[check_json(r) for r in verdict.checks],
        outputs={k: _plain(v) for k, v in verdict.outputs.items()},
        reasons=verdict.reasons,
        latency_ms=(time.perf_counter() - started) * 1000,
        decided_at=now,
    )
    db.session.add(decision)
    reason = "；".join(verdict.reasons) or "符合全部条件，系统自动批准（秒批）"
    change_status(
        application,
        OUTCOME_STATUS[verdict.outcome],
        actor="system",
        channel="system",
        now=now,
        reason=reason[:300],
    )
    task = None
    if verdict.outcome == "manual":
        task = open_task(
            application, "manual_review", reason, calendar=calendar, now=now
        )
    issue_for_decision(
        application,
        decision,
        services=documents,
        now=now,
        due_on=task.due_on if task else None,
    )
    enqueue(
        f"decision_{verdict.outcome}",
        application_id=application.id,
        payload={"outcome": verdict.outcome, "rule_set": rules.label},
        now=now,
    )
    return decision


def check_json(result: CheckResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "outcome": result.outcome,
        "status": result.status,
        "decisive": result.decisive,
        "message": result.message,
        "basis": result.basis,
        "next_step": result.next_step,
        "reason_code": result.reason_code,
        "comparisons": [
            {
                "text": c.text,
                "left": _plain(c.left),
                "right": _plain(c.right),
                "result": _plain(c.result),
            }
            for c in result.comparisons
        ],
        "values": {k: _plain(v) for k, v in result.values.items()},
        "unknown_paths": result.unknown_paths,
    }


def _plain(value: Any) -> Any:
    if value is UNKNOWN:
        return "unknown"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def open_task(
    application: Application,
    kind: str,
    reason: str,
    *,
    calendar: WorkCalendar,
    now: datetime,
) -> ReviewTask:
    """A review task for the item's department, due by its promised time limit."""
    limits = application.item_version.spec.limits
    days = limits.promised_working_days or limits.statutory_working_days
    task = ReviewTask(
        public_id=secrets.token_hex(16),
        application=application,
        department_id=application.item_version.item.department_id,
        kind=kind,
        reason=reason[:500],
        status="open",
        created_at=now,
        due_on=calendar.add_working_days(local_date(now), days or DEFAULT_REVIEW_DAYS),
    )
    db.session.add(task)
    return task


def latest_decision(application: Application) -> Decision | None:
    return db.session.scalar(
        sa.select(Decision)
        .where(Decision.application_id == application.id)
        .order_by(Decision.id.desc())
        .limit(1)
    )


def request_review(
    application: Application,
    *,
    actor: str,
    channel: str,
    reason: str,
    calendar: WorkCalendar,
    now: datetime,
) -> ReviewTask:
    """An applicant asks a person to review an automated refusal (个保法第24条)."""
    decision = latest_decision(application)
    if application.status is not Status.REFUSED or decision is None:
        raise ConflictError(
            "只有被系统自动不予批准的办件可以申请人工复核（only automated refusals）",
            code="review_not_applicable",
        )
    if not decision.automated:
        raise ConflictError(
            "该决定已由工作人员作出，如有异议请依法申请行政复议或提起诉讼"
            "（already decided by a person）",
            code="review_not_applicable",
        )
    reason = reason.strip()
    if not 1 <= len(reason) <= 500:
        raise ValidationError("请说明申请复核的理由（1-500字）", field="reason")
    change_status(
        application,
        Status.MANUAL_REVIEW,
        actor=actor,
        channel=channel,
        now=now,
        reason=f"申请人申请人工复核：{reason}"[:300],
    )
    task = open_task(
        application, "applicant_request", reason, calendar=calendar, now=now
    )
    audit.record_event(
        "human_review_requested",
        actor=actor,
        at=now,
        target=f"application:{application.public_id}",
        details={"task": task.public_id},
    )
    db.session.commit()
    return task


def open_tasks(department_code: str | None = None) -> list[ReviewTask]:
    """Open review tasks, oldest due first, optionally of one department."""
    from govcore.catalog.models import Department

    query = sa.select(ReviewTask).where(ReviewTask.status == "open")
    if department_code:
        query = query.join(Department).where(Department.code == department_code)
    return list(db.session.scalars(query.order_by(ReviewTask.due_on, ReviewTask.id)))


def review(
    task_id: str,
    *,
    staff_id: str,
    approve: bool,
    reason: str,
    documents: DocumentServices,
    now: datetime,
) -> Decision:
    """A reviewer approves or refuses the application of an open task, and commits."""
    # Locked, so two reviewers deciding at once cannot both close it.
    task = db.session.scalar(
        sa.select(ReviewTask).where(ReviewTask.public_id == task_id).with_for_update()
    )
    if task is None:
        raise NotFoundError("审核任务不存在（task not found）")
    if task.status != "open":
        raise ConflictError("该任务已办结（task closed）", code="task_closed")
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError("不予批准须写明理由（reason required）", field="reason")
    application = task.application
    outcome = "approve" if approve else "refuse"
    previous = latest_decision(application)
    decision = Decision(
        application=application,
        outcome=outcome,
        automated=False,
        decided_by=f"staff:{staff_id}",
        item_version=application.item_version.version,
        rule_set=previous.rule_set if previous else "",
        rule_digest=previous.rule_digest if previous else "",
        snapshot=previous.snapshot if previous else {},
        snapshot_hash=previous.snapshot_hash if previous else "",
        checks=previous.checks if previous else [],
        outputs={},
        reasons=[reason] if reason else [],
        note=reason[:500],
        latency_ms=0.0,
        decided_at=now,
    )
    db.session.add(decision)
    change_status(
        application,
        OUTCOME_STATUS[outcome],
        actor=f"staff:{staff_id}",
        channel="counter",
        now=now,
        reason=(reason or "人工审核通过")[:300],
    )
    issue_for_decision(application, decision, services=documents, now=now)
    task.status, task.closed_at, task.closed_by, task.result = (
        "closed",
        now,
        f"staff:{staff_id}",
        outcome,
    )
    enqueue(
        f"decision_{outcome}",
        application_id=application.id,
        payload={"outcome": outcome, "by": "staff"},
        now=now,
    )
    audit.record_event(
        "review_decided",
        actor=f"staff:{staff_id}",
        at=now,
        target=f"application:{application.public_id}",
        details={"task": task.public_id, "outcome": outcome},
    )
    db.session.commit()
    return decision


def explanation(decision: Decision) -> list[dict[str, Any]]:
    """For the applicant: each condition not met, what the data said, what to do."""
    from govcore.datahub import SOURCES

    items = []
    for check in decision.checks:
        if check["status"] == "passed":
            continue
        items.append(
            {
                "check": check["id"],
                "status": check["status"],
                "required": check["message"],
                "basis": check["basis"],
                "found": [
                    {
                        "path": path,
                        "value": _worded(_shown(value)),
                        "source": SOURCES.get(path.split(".")[0], path.split(".")[0]),
                    }
                    for path, value in check["values"].items()
                ],
                "unavailable": [
                    SOURCES.get(p.split(".")[0], p) for p in check["unknown_paths"]
                ],
                "next_step": check["next_step"]
                or "如对结果有异议，可申请人工复核，或到窗口咨询。",
            }
        )
    return items


# Codes of the shared data, in the words an applicant reads (the reviewer
# sees the codes: checks_for_reviewer keeps them).
VALUE_WORDS = {
    "ACTIVE": "有效（正在享受）",
    "VALID": "有效",
    "NORMAL": "正常",
    "PENDING": "审核中",
    "SUSPENDED": "已暂停",
    "STOPPED": "已停止",
    "LOST": "已挂失",
    "MARRIED": "已婚",
    "CANCELLED_DEATH": "已注销（死亡）",
    "CANCELLED_MOVE": "已迁出",
}


def _worded(value: Any) -> Any:
    if isinstance(value, list):
        return [_worded(v) for v in value]
    if isinstance(value, bool):  # before str: and True must not match 1
        return "是" if value else "否"
    if isinstance(value, str):
        return VALUE_WORDS.get(value, value)
    return value


def _shown(value: Any) -> Any:
    from govcore.privacy import mask_id_number
    from govcore.validation import is_valid_id_number

    if isinstance(value, str) and len(value) == 18 and is_valid_id_number(value):
        return mask_id_number(value)
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value


def checks_for_reviewer(decision: Decision) -> list[dict[str, Any]]:
    """Every check of a decision with the values compared (ID numbers masked)."""
    return [
        {
            "id": check["id"],
            "outcome": check["outcome"],
            "status": check["status"],
            "message": check["message"],
            "values": {path: _shown(v) for path, v in check["values"].items()},
        }
        for check in decision.checks
    ]
