"""Periodic work on applications: lapsed 容缺 deadlines and retention.

Run by ``flask --app webapp applications sweep`` (cron or a systemd timer in
production; the standalone demo runs it at start-up).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from govcore import audit
from govcore.applications.models import Application, MaterialKind, Status
from govcore.applications.submission import REMINDER
from govcore.applications.transitions import change_status
from govcore.clock import local_date
from govcore.db import db
from govcore.filestore import FileStore
from govcore.notifications import cancel_pending, enqueue
from govcore.workdays import WorkCalendar

DRAFT_LIFETIME = timedelta(days=30)
WITHDRAWN_DRAFT_RETENTION = timedelta(days=30)
LAPSE_OUTCOMES = {
    "manual_review": Status.MANUAL_REVIEW,
    "refuse": Status.REFUSED,
    "withdraw": Status.WITHDRAWN,
}


@dataclass
class SweepReport:
    lapsed: int = 0
    drafts_withdrawn: int = 0
    purged: int = 0
    files_deleted: int = 0
    problems: list[str] = field(default_factory=list)


def sweep(*, now: datetime, store: FileStore, calendar: WorkCalendar) -> SweepReport:
    """Apply lapsed deadlines, withdraw stale drafts, purge what is past retention."""
    report = SweepReport()
    report.lapsed = lapse_overdue(now=now, calendar=calendar)
    report.drafts_withdrawn = withdraw_stale_drafts(now=now, store=store)
    report.purged, report.files_deleted = purge_expired(now=now, store=store)
    return report


def lapse_overdue(*, now: datetime, calendar: WorkCalendar) -> int:
    """Apply each item's outcome to applications whose 容缺 deadline has passed.

    One sent to a person gets a review task of the item's department, so it
    stands in the department's queue like any other.
    """
    # Imported here: govcore.decisions builds on the application models.
    from govcore.decisions.service import open_task

    today = local_date(now)
    overdue = db.session.scalars(
        sa.select(Application).where(
            Application.status == Status.AWAITING_MATERIALS,
            Application.materials_due_on < today,
        )
    ).all()
    for application in overdue:
        outcome = application.item_version.spec.tolerance.on_lapse or "manual_review"
        change_status(
            application,
            LAPSE_OUTCOMES[outcome],
            actor="system",
            channel="system",
            now=now,
            reason=f"容缺材料逾期未补交（期限 {application.materials_due_on}）",
        )
        if outcome == "manual_review":
            open_task(
                application,
                "manual_review",
                f"容缺材料逾期未补交（期限 {application.materials_due_on}），请人工处理",
                calendar=calendar,
                now=now,
            )
        cancel_pending(application.id, REMINDER, now=now)
        enqueue(
            "materials_lapsed",
            application_id=application.id,
            payload={"outcome": outcome},
            now=now,
            event_id=f"materials_lapsed:{application.public_id}",
        )
        db.session.commit()
    return len(overdue)


def withdraw_stale_drafts(*, now: datetime, store: FileStore) -> int:
    """Withdraw drafts untouched for :data:`DRAFT_LIFETIME` and delete their files."""
    stale = db.session.scalars(
        sa.select(Application).where(
            Application.status == Status.DRAFT,
            Application.updated_at < now - DRAFT_LIFETIME,
        )
    ).all()
    for application in stale:
        files = _files_of(application)
        change_status(
            application,
            Status.WITHDRAWN,
            actor="system",
            channel="system",
            now=now,
            reason="草稿超过30天未提交，自动撤回",
        )
        for record in [r for r in application.materials if r.file_name]:
            application.materials.remove(record)
        application.retain_until = local_date(now + WITHDRAWN_DRAFT_RETENTION)
        db.session.commit()
        for name in files:
            store.delete(name)
    return len(stale)


def purge_expired(*, now: datetime, store: FileStore) -> tuple[int, int]:
    """Delete applications past their retention date, then their files.

    One transaction deletes the applications and writes one audit event,
    ``retention_purged``, with how many went (in all and per item) and the
    cut-off date: counts, never who. The files go once that is committed, so
    a crash between the two leaves a file without a row, never a row without
    its file or a deletion without its record. Nothing past retention: no
    event.

    :return: how many applications and files were deleted.
    """
    today = local_date(now)
    expired = db.session.scalars(
        sa.select(Application).where(Application.retain_until < today)
    ).all()
    if not expired:
        return 0, 0
    files = [name for application in expired for name in _files_of(application)]
    per_item = Counter(a.item_version.item.code for a in expired)
    for application in expired:
        db.session.delete(application)
    audit.record_event(
        "retention_purged",
        actor="system",
        at=now,
        target="applications",
        details={
            "applications": len(expired),
            "files": len(files),
            "items": dict(sorted(per_item.items())),
            "retained_until_before": today.isoformat(),
        },
    )
    db.session.commit()
    for name in files:
        store.delete(name)
    return len(expired), len(files)


def _files_of(application: Application) -> list[str]:
    names = [
        r.file_name
        for r in application.materials
        if r.kind is MaterialKind.UPLOAD and r.file_name
    ]
    names += [c.signature_file for c in application.commitments if c.signature_file]
    return names
