"""近30天趋势 (govcore.reports.trends) against what the database holds:
applications on the phone and at a kiosk, decided at once or by a person,
counted per day, per channel and per department, with the 秒批率, the
decision-time buckets and the ratings."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from govcore import applications as apps
from govcore import decisions, ratings
from govcore.applications import Application, Caller, ChannelKind
from govcore.catalog import Department, Item, ItemVersion
from govcore.clock import local_date, utcnow
from govcore.datahub.sandbox.service import SandboxDataSource
from govcore.db import db
from govcore.decisions import Decision
from govcore.reports.trends import DECISION_TIME_BUCKETS, daily_trends
from tests.api.conftest import PERSON, criminal_record_certificate, dev_login
from tests.api.test_decisions import apply


def at_the_kiosk(app: Flask, name: str, item: str = "aged-allowance") -> int:
    """Draft and submit at a kiosk (the core's use cases, as kiosk_app calls them)."""
    persona = PERSON[name]
    caller = Caller(persona.id_number, persona.name, ChannelKind.KIOSK, "LH-JX-001")
    with app.app_context():
        source = app.extensions["miaopi.datasource"]
        draft = apps.create_draft(item, caller, source=source, now=utcnow())
        apps.submit(
            draft,
            caller,
            source=source,
            calendar=app.extensions["miaopi.calendar"],
            documents=app.extensions["miaopi.documents"],
            now=utcnow(),
        )
        return draft.id


def backdate(application_id: int, hours: float) -> None:
    """Move an application's submission (and the system's decision) back."""
    shift = timedelta(hours=hours)
    application = db.session.get(Application, application_id)
    application.submitted_at -= shift
    for decision in db.session.scalars(
        sa.select(Decision).where(Decision.application_id == application_id)
    ):
        decision.decided_at -= shift


@pytest.fixture
def busy(world: Flask, client) -> Flask:
    """Six applications: four on the phone (approve, refuse, manual, 公安),
    one at a kiosk, one 40 days ago; the manual one decided by a person
    three hours after it was submitted; two ratings."""
    apply(client, "陈伯")
    apply(client, "李振华")
    apply(client, "林秀娥", down={"SI"})
    world.extensions["miaopi.datasource"] = SandboxDataSource()
    criminal_record_certificate(client, dev_login(client, "陈志明"))
    kiosk = at_the_kiosk(world, "翁丽娥")
    old = at_the_kiosk(world, "沈德茂")
    with world.app_context():
        backdate(old, 40 * 24)
        (task,) = decisions.open_tasks("lh-mz")
        backdate(task.application_id, 3)
        db.session.commit()
        decisions.review(
            task.public_id,
            staff_id="7",
            approve=True,
            reason="电话核实",
            documents=world.extensions["miaopi.documents"],
            now=utcnow(),
        )
        for application_id, stars in ((kiosk, 5), (task.application_id, 3)):
            application = db.session.get(Application, application_id)
            persona = Caller(
                application.applicant_id_number, "x", ChannelKind(application.channel)
            )
            ratings.rate(application, persona, stars=stars, reasons=[], now=utcnow())
        db.session.commit()
    return world


def stored_by_day(days, key) -> dict[tuple[str, int], int]:
    """(key, day number) → applications, counted one by one in Python."""
    rows = db.session.execute(
        sa.select(Application.submitted_at, Application.channel, Department.code)
        .join(ItemVersion, Application.item_version_id == ItemVersion.id)
        .join(Item, ItemVersion.item_id == Item.id)
        .join(Department, Item.department_id == Department.id)
        .where(Application.submitted_at.is_not(None))
    )
    counts: Counter = Counter()
    for submitted_at, channel, department in rows:
        day = local_date(submitted_at)
        if day in days:
            counts[
                str(channel) if key == "channel" else department, days.index(day)
            ] += 1
    return counts


def as_counts(series) -> dict[tuple[str, int], int]:
    return {(s.key, n): v for s in series for n, v in enumerate(s.values) if v}


def test_daily_series_match_the_stored_applications(busy: Flask) -> None:
    with busy.app_context():
        today = local_date(utcnow())
        trends = daily_trends(today=today)
        assert len(trends.days) == 30 and trends.days[-1] == today
        assert as_counts(trends.by_channel) == stored_by_day(trends.days, "channel")
        assert as_counts(trends.by_department) == stored_by_day(trends.days, "dept")
        assert [s.key for s in trends.by_channel] == ["kiosk", "mobile"]
        assert {s.key: s.total for s in trends.by_channel} == {"kiosk": 1, "mobile": 4}
        assert [(s.key, s.total) for s in trends.by_department] == [
            ("lh-mz", 4),
            ("lh-ga", 1),
        ]
        assert trends.by_department[0].label == "区民政局"
        assert sum(trends.submitted) == 5  # the one of 40 days ago is not counted


def test_the_automatic_approval_rate_is_the_share_of_the_systems_decisions(
    busy: Flask,
) -> None:
    with busy.app_context():
        trends = daily_trends(today=local_date(utcnow()))
        automated = db.session.execute(
            sa.select(Decision.outcome, Decision.decided_at).where(
                Decision.automated.is_(True)
            )
        ).all()
        recent = [d for d in automated if local_date(d.decided_at) in trends.days]
        assert sum(trends.decided) == len(recent) == 5
        approved = sum(d.outcome == "approve" for d in recent)
        assert sum(trends.auto_approved) == approved == 3  # 陈伯, 翁丽娥, 陈志明
        rates = [r for r in trends.auto_approval_rate if r is not None]
        assert rates and all(0 <= r <= 1 for r in rates)
        assert trends.auto_approval_rate.count(None) == 30 - len(
            {local_date(d.decided_at) for d in recent}
        )
        if len(rates) == 1:  # all on one day unless the test straddles midnight
            assert rates[0] == pytest.approx(3 / 5)


def test_decision_times_separate_the_rules_from_people(busy: Flask) -> None:
    with busy.app_context():
        buckets = dict(daily_trends(today=local_date(utcnow())).decision_times)
    assert list(buckets) == [label for _, label in DECISION_TIME_BUCKETS]
    # four verdicts of the rules within seconds; the person's after three hours
    assert sum(buckets[k] for k in ("1秒以内", "1–10秒", "10秒–1分钟")) == 4
    assert buckets["1小时–1天"] == 1
    assert sum(buckets.values()) == 5


def test_ratings_are_counted_per_grade(busy: Flask) -> None:
    with busy.app_context():
        grades = daily_trends(today=local_date(utcnow())).ratings
    assert [(stars, n) for stars, _, n in grades] == [
        (5, 1),
        (4, 0),
        (3, 1),
        (2, 0),
        (1, 0),
    ]
    assert grades[0][1] == "非常满意"


def test_a_department_sees_only_its_own_items(busy: Flask) -> None:
    with busy.app_context():
        police = db.session.scalar(
            sa.select(Department).where(Department.code == "lh-ga")
        )
        trends = daily_trends(today=local_date(utcnow()), department_id=police.id)
    assert [(s.key, s.total) for s in trends.by_department] == [("lh-ga", 1)]
    assert [(s.key, s.total) for s in trends.by_channel] == [("mobile", 1)]
    assert (sum(trends.decided), sum(trends.auto_approved)) == (1, 1)
    assert sum(n for _, n in trends.decision_times) == 1
    assert sum(n for _, _, n in trends.ratings) == 0


def test_an_empty_period_has_no_series(world: Flask) -> None:
    with world.app_context():
        trends = daily_trends(today=local_date(utcnow()), days=7)
    assert len(trends.days) == 7
    assert trends.by_channel == trends.by_department == ()
    assert trends.auto_approval_rate == (None,) * 7
    assert all(n == 0 for _, n in trends.decision_times)
