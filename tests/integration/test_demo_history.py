"""The standalone demo's month of history (webapp.demo_history), made by
``prepare()`` on a fresh SQLite instance as ``make run`` makes it."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from govcore import audit, notifications
from govcore.applications import (
    Application,
    ChannelKind,
    CorrectionRequest,
    SignedCommitment,
    Status,
    StatusChange,
)
from govcore.certificates.models import ResultDocument
from govcore.clock import local_date, utcnow
from govcore.db import db
from govcore.decisions import Decision, ReviewTask, latest_decision
from govcore.ratings import ServiceRating
from govcore.staff import StaffAccount
from govcore.supervision import SupervisionCheck
from webapp import create_app
from webapp.demo_history import seed_history
from webapp.demo_history_cast import DAYS, PERSON_IDS, PERSONA_VISITS
from webapp.standalone import prepare

# What each status's latest decision and document are.
OUTCOME = {
    Status.APPROVED: ("approve", "certificate"),
    Status.REFUSED: ("refuse", "refusal"),
}


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Flask, list[str], float]]:
    """The standalone app, prepared once: its lines and how long it took."""
    root = Path(tempfile.mkdtemp(prefix="miaopi-history-"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MIAOPI_INSTANCE_PATH", str(root / "instance"))
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'miaopi.sqlite3'}",
                "ROLE": "standalone",
                "DEMO_HISTORY": True,
                "UPLOAD_DIR": str(root / "uploads"),
                "DOCUMENT_KEY_DIR": str(root / "keys"),
                "DOCUMENT_PKI_DIR": str(root / "pki"),
            }
        )
    with app.app_context():
        started = time.perf_counter()
        lines = prepare()
        seconds = time.perf_counter() - started
    yield app, lines, seconds
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def ctx(demo) -> Iterator[Flask]:
    app = demo[0]
    with app.app_context():
        yield app


def applications() -> list[Application]:
    return list(db.session.scalars(sa.select(Application)))


def count(model: type) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_prepare_prints_the_accounts_and_one_summary_line(demo) -> None:
    _, lines, seconds = demo
    summary = [line for line in lines if line.startswith("demo history:")]
    assert len(summary) == 1, lines
    assert "not submitted" not in summary[0] and "drafts" not in summary[0]
    assert any(line.lstrip().startswith("demo.approver") for line in lines)
    print(f"\n{summary[0]}\nprepare with the history: {seconds:.1f} s")


def test_every_channel_is_used(ctx) -> None:
    made = applications()
    assert 80 <= len(made) <= 150
    by_channel = {c: [a for a in made if a.channel is c] for c in ChannelKind}
    assert all(by_channel[c] for c in ("kiosk", "mobile", "counter"))
    assert {a.terminal_id for a in by_channel[ChannelKind.KIOSK]} == {"LH-DEMO-001"}
    assert all(a.staff_id for a in by_channel[ChannelKind.COUNTER])
    assert len({a.item_version.item.code for a in made}) >= 20
    assert any(a.org_credit_code for a in made)


def test_the_month_is_spread_over_working_hours_of_many_days(ctx) -> None:
    now = utcnow()
    made = applications()
    assert all(now - timedelta(days=DAYS + 1) < a.submitted_at < now for a in made)
    days = {local_date(a.submitted_at) for a in made}
    assert len(days) >= 20
    calendar = ctx.extensions["miaopi.calendar"]
    at_the_hall = [a for a in made if a.channel is not ChannelKind.MOBILE]
    assert all(calendar.is_working_day(local_date(a.created_at)) for a in at_the_hall)
    weekday = [a for a in made if calendar.is_working_day(local_date(a.created_at))]
    assert len(weekday) > 0.8 * len(made)


def test_reviews_are_open_overdue_and_decided_by_the_approver(ctx) -> None:
    today = local_date(utcnow())
    tasks = list(db.session.scalars(sa.select(ReviewTask)))
    open_tasks = [t for t in tasks if t.status == "open"]
    assert open_tasks
    assert any(t.due_on < today for t in open_tasks)
    assert any(t.due_on >= today for t in open_tasks)
    decided = [t for t in tasks if t.status == "closed"]
    approver = db.session.scalars(
        sa.select(StaffAccount).filter_by(username="demo.approver")
    ).one()
    assert decided and {t.closed_by for t in decided} == {f"staff:{approver.id}"}
    assert all(t.closed_at > t.created_at for t in decided)
    assert any(local_date(t.closed_at) > local_date(t.created_at) for t in decided)
    assert any(t.kind == "applicant_request" for t in tasks)


def test_tolerance_awaiting_due_tomorrow_resumed_and_lapsed(ctx) -> None:
    today = local_date(utcnow())
    calendar = ctx.extensions["miaopi.calendar"]
    made = applications()
    waiting = [a for a in made if a.status is Status.AWAITING_MATERIALS]
    assert calendar.add_working_days(today, 1) in {a.materials_due_on for a in waiting}
    moves = list(
        db.session.scalars(
            sa.select(StatusChange).where(
                StatusChange.from_status == Status.AWAITING_MATERIALS
            )
        )
    )
    lapsed = [m for m in moves if m.to_status is Status.MANUAL_REVIEW]
    assert lapsed and all(m.actor == "system" for m in lapsed)
    assert any(m.to_status is Status.SUBMITTED for m in moves)


def test_approvals_on_a_commitment_are_sampled_and_checked(ctx) -> None:
    committed = db.session.scalars(
        sa.select(Application)
        .join(SignedCommitment)
        .where(Application.status == Status.APPROVED)
    ).all()
    assert len(committed) >= 3
    checks = list(db.session.scalars(sa.select(SupervisionCheck)))
    assert any(c.selected and c.status == "open" for c in checks)
    assert any(c.status == "verified" for c in checks)


def test_ratings_corrections_and_notifications(ctx) -> None:
    finished = [
        a for a in applications() if a.status in (Status.APPROVED, Status.REFUSED)
    ]
    ratings = list(db.session.scalars(sa.select(ServiceRating)))
    assert 0.25 * len(finished) <= len(ratings) <= 0.6 * len(finished)
    assert sum(r.stars >= 4 for r in ratings) > 0.7 * len(ratings)
    assert any(r.stars <= 2 and r.reasons for r in ratings)
    statuses = {c.status for c in db.session.scalars(sa.select(CorrectionRequest))}
    assert "resolved" in statuses and len(statuses) >= 2
    assert count(notifications.InboxItem) > len(finished)


def test_every_decision_has_its_document(ctx) -> None:
    lapsed = set(
        db.session.scalars(
            sa.select(StatusChange.application_id).where(
                StatusChange.from_status == Status.AWAITING_MATERIALS,
                StatusChange.to_status == Status.MANUAL_REVIEW,
            )
        )
    )
    for application in applications():
        decision = latest_decision(application)
        kinds = {
            d.kind
            for d in db.session.scalars(
                sa.select(ResultDocument).where(
                    ResultDocument.application_id == application.id
                )
            )
        }
        undecided = application.status is Status.AWAITING_MATERIALS
        assert decision is not None or undecided or application.id in lapsed
        if application.status in OUTCOME:
            outcome, kind = OUTCOME[application.status]
            assert decision.outcome == outcome
            assert kind in kinds
            assert decision.decided_at >= application.submitted_at
        if application.status is Status.AWAITING_MATERIALS:
            assert "receipt" in kinds


def test_personas_keep_their_demonstration_paths(ctx) -> None:
    allowed = {(item, PERSON_IDS[name]) for item, name, *_ in PERSONA_VISITS}
    personas = set(PERSON_IDS.values())
    for application in applications():
        if application.applicant_id_number in personas:
            code = application.item_version.item.code
            assert (code, application.applicant_id_number) in allowed


def test_the_audit_chain_verifies(ctx) -> None:
    assert audit.verify_chain() is None
    assert count(audit.AuditEvent) > len(applications())


def test_preparing_again_adds_nothing(demo) -> None:
    app = demo[0]
    with app.app_context():
        before = [count(m) for m in (Application, Decision, ServiceRating)]
        events = count(audit.AuditEvent)
        prepare()
        assert seed_history(app, now=utcnow()) == []
        assert [count(m) for m in (Application, Decision, ServiceRating)] == before
        # The second prepare's own sampling finds nothing new to consider.
        assert count(audit.AuditEvent) == events
