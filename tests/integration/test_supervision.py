"""事后监管: drawing approvals made on a commitment, reproducibly, and concluding
the checks; a false commitment revokes, notifies and is recorded in one
transaction or not at all."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from govcore import supervision
from govcore.applications import Application, Status
from govcore.audit.log import AuditEvent, verify_chain
from govcore.certificates.models import ResultDocument
from govcore.clock import local_date, utcnow
from govcore.datahub.ports import CreditRegister, SourceUnavailableError
from govcore.datahub.sandbox import SandboxRecord
from govcore.datahub.sandbox.credit import SandboxCreditRegister
from govcore.db import db
from govcore.errors import ConflictError, NotFoundError, PermissionDeniedError
from govcore.errors import ValidationError
from govcore.notifications import OutboxMessage
from govcore.supervision import (
    DishonestyRecord,
    Rates,
    SamplingPolicy,
    SamplingRun,
    SupervisionCheck,
)
from tests.api.conftest import create_draft, dev_login
from tests.integration.supervision_world import (
    SHOP,
    account,
    add_candidates,
    hygiene_permit,
)

#: Unflagged approvals of 临时救助 are never drawn, flagged ones always.
RISK_ONLY = SamplingPolicy(items={"temporary-relief": Rates(0.0, 1.0)})
HALF = SamplingPolicy(Rates(0.5, 0.5), items={})


def sample(app: Flask, policy: SamplingPolicy | None = None, seed: str | None = None):
    with app.app_context():
        report = supervision.sample(
            now=utcnow(),
            actor="test",
            calendar=app.extensions["miaopi.calendar"],
            policy=policy,
            seed=seed,
        )
        return report.run.public_id if report.run else None


def selections(app: Flask) -> dict[str, bool]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Application.public_id, SupervisionCheck.selected).join(
                Application
            )
        )
        return dict(rows.all())


def forget_runs(app: Flask) -> None:
    with app.app_context():
        db.session.execute(sa.delete(SupervisionCheck))
        db.session.execute(sa.delete(SamplingRun))
        db.session.commit()


def test_the_same_seed_draws_the_same_approvals(world: Flask) -> None:
    add_candidates(world, 40)
    sample(world, HALF, seed="seed-one")
    first = selections(world)
    assert len(first) == 40 and 0 < sum(first.values()) < 40
    forget_runs(world)
    sample(world, HALF, seed="seed-one")
    assert selections(world) == first
    forget_runs(world)
    sample(world, HALF, seed="seed-two")
    assert selections(world) != first


def test_each_approval_is_considered_once_and_every_draw_is_kept(world) -> None:
    add_candidates(world, 5)
    run_id = sample(world, HALF)
    assert sample(world, HALF) is None  # nothing new: no run recorded
    add_candidates(world, 2)
    sample(world, HALF)
    with world.app_context():
        assert db.session.scalar(sa.func.count(SupervisionCheck.id)) == 7
        run = db.session.scalars(
            sa.select(SamplingRun).filter_by(public_id=run_id)
        ).one()
        assert run.considered == 5 and len(run.checks) == 5
        assert run.selected == sum(c.selected for c in run.checks)
        for check in run.checks:
            assert check.draw == supervision.draw(run.seed, check.application.public_id)
            assert check.selected == (check.draw < check.rate)
            assert (check.status == "open") == check.selected


def test_flagged_approvals_are_drawn_at_the_risk_rate(world: Flask) -> None:
    plain = add_candidates(world, 6)
    by_agent = add_candidates(world, 3, agent=True)
    tolerated = add_candidates(world, 2, tolerated=True)
    two_materials = add_candidates(
        world, 2, replaces=("income_declaration", "hardship_proof")
    )
    sample(world, RISK_ONLY)
    chosen = selections(world)
    assert not any(chosen[p] for p in plain)
    assert all(chosen[p] for p in by_agent + tolerated + two_materials)
    with world.app_context():
        flags = {
            c.application.public_id: c.risk_flags
            for c in db.session.scalars(sa.select(SupervisionCheck))
        }
        rates = set(db.session.scalars(sa.select(SupervisionCheck.rate)))
    assert flags[by_agent[0]] == ["agent"]
    assert flags[tolerated[0]] == ["tolerance"]
    assert flags[two_materials[0]] == ["replaces_many"]
    assert flags[plain[0]] == [] and rates == {0.0, 1.0}


def test_a_selected_check_is_due_in_working_days_after_approval(world) -> None:
    add_candidates(world, 1)
    sample(world, SamplingPolicy(Rates(1.0, 1.0)))
    with world.app_context():
        check = db.session.scalars(sa.select(SupervisionCheck)).one()
        calendar = world.extensions["miaopi.calendar"]
        # 临时救助 says 10 days; the department is 区民政局.
        assert check.due_on == calendar.add_working_days(check.approved_on, 10)
        assert check.department.code == "lh-mz"


def test_recompute_finds_nothing_then_the_altered_row(world: Flask) -> None:
    add_candidates(world, 12)
    run_id = sample(world, HALF, seed="audit-me")
    with world.app_context():
        run = db.session.scalars(
            sa.select(SamplingRun).filter_by(public_id=run_id)
        ).one()
        assert supervision.recompute(run) == []
        tampered = run.checks[3]
        tampered.selected = not tampered.selected
        db.session.commit()
        mismatches = supervision.recompute(run)
    assert [(m.check_id, m.field) for m in mismatches] == [
        (tampered.public_id, "selected")
    ]


def test_the_cli_samples_and_prints_the_counts(world: Flask) -> None:
    add_candidates(world, 3, agent=True)
    result = world.test_cli_runner().invoke(args=["supervision", "sample"])
    assert result.exit_code == 0, result.output
    assert "3 considered, 3 with risk flags, 3 selected" in result.output
    again = world.test_cli_runner().invoke(args=["supervision", "sample"])
    assert "nothing to consider" in again.output


@pytest.fixture
def permit_check(world: Flask, client) -> str:
    """林锦鸿's hygiene permit, drawn for a check (every permit is)."""
    application_id = hygiene_permit(client)
    sample(world)
    with world.app_context():
        check = db.session.scalars(
            sa.select(SupervisionCheck)
            .join(Application)
            .where(Application.public_id == application_id)
        ).one()
        assert check.selected and check.department.code == "lh-wj"
        assert "replaces_many" in check.risk_flags
        return check.public_id


def state(app: Flask, check_id: str) -> dict:
    """What a conclusion may change, read afresh."""
    with app.app_context():
        check = db.session.scalars(
            sa.select(SupervisionCheck).filter_by(public_id=check_id)
        ).one()
        application = check.application
        document = db.session.scalars(
            sa.select(ResultDocument).filter_by(
                application_id=application.id, kind="certificate"
            )
        ).one()
        credit = db.session.scalar(
            sa.select(SandboxRecord).filter_by(source="CR", subject_id=SHOP.credit_code)
        )
        return {
            "check": check.status,
            "application": application.status,
            "document": document.status,
            "token": document.token,
            "messages": sorted(
                db.session.scalars(
                    sa.select(OutboxMessage.kind).filter_by(
                        application_id=application.id
                    )
                )
            ),
            "records": db.session.scalars(sa.select(DishonestyRecord)).all(),
            "credit": dict(credit.data) if credit else None,
            "concluded": db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).filter_by(
                    action="supervision_concluded"
                )
            ),
        }


def conclude(app: Flask, username: str, check_id: str, outcome: str, **kwargs):
    with app.app_context():
        return supervision.conclude(
            account(app, username, "supervisor", "lh-wj"),
            check_id,
            outcome=outcome,
            note=kwargs.get("note", "现场核查：经营场所无卫生设施，检测报告不存在"),
            now=utcnow(),
            credit=kwargs.get("credit", SandboxCreditRegister()),
        )


def test_a_false_commitment_revokes_notifies_and_records(
    world: Flask, client, permit_check: str
) -> None:
    before = state(world, permit_check)
    conclude(world, "wj.supervisor", permit_check, "false_commitment")
    after = state(world, permit_check)
    assert after["check"] == "false_commitment"
    assert after["application"] is Status.REVOKED
    assert after["document"] == "revoked"
    page = client.get(f"/verify/{after['token']}").get_data(as_text=True)
    assert 'data-status="revoked"' in page and "告知承诺不实" in page
    # One message of its own to the applicant, not the plain revocation one.
    assert after["messages"] == sorted([*before["messages"], "commitment_false"])
    (record,) = after["records"]
    assert record.subject_id == SHOP.credit_code and "检测报告" in record.reason
    assert after["credit"]["false_commitment_record"] is True
    (entry,) = after["credit"]["false_commitment_entries"]
    assert entry["recorded_on"] == local_date(utcnow()).isoformat()
    assert after["concluded"] == 1
    with world.app_context():
        assert verify_chain() is None
    # The shop is no longer offered a commitment.
    auth = dev_login(client, "林锦鸿")
    draft = create_draft(
        client, auth, "public-venue-hygiene-permit", organisation=SHOP.credit_code
    )
    assert draft["commitment"]["offered"] is False


class BrokenRegister(CreditRegister):
    def record_false_commitment(self, subject_id, **kwargs) -> None:
        raise SourceUnavailableError("CR", "credit platform down")


def test_a_failing_credit_register_leaves_everything_as_it_was(
    world: Flask, permit_check: str
) -> None:
    before = state(world, permit_check)
    with pytest.raises(SourceUnavailableError):
        conclude(
            world,
            "wj.supervisor",
            permit_check,
            "false_commitment",
            credit=BrokenRegister(),
        )
    after = state(world, permit_check)
    assert after == before
    assert after["check"] == "open" and after["document"] == "valid"
    assert after["application"] is Status.APPROVED and after["records"] == []
    assert "commitment_false" not in after["messages"]


def test_verified_closes_the_check_and_changes_nothing_else(
    world: Flask, permit_check: str
) -> None:
    before = state(world, permit_check)
    conclude(world, "wj.supervisor", permit_check, "verified", note="现场核查属实")
    after = state(world, permit_check)
    assert after["check"] == "verified" and after["concluded"] == 1
    assert {k: v for k, v in after.items() if k not in ("check", "concluded")} == {
        k: v for k, v in before.items() if k not in ("check", "concluded")
    }
    with pytest.raises(ConflictError):
        conclude(world, "wj.supervisor", permit_check, "false_commitment")


def test_a_conclusion_needs_an_outcome_and_a_note(world, permit_check) -> None:
    with pytest.raises(ValidationError):
        conclude(world, "wj.supervisor", permit_check, "maybe")
    with pytest.raises(ValidationError):
        conclude(world, "wj.supervisor", permit_check, "verified", note=" ")


def test_another_departments_supervisor_finds_nothing(world, permit_check) -> None:
    with world.app_context():
        elsewhere = account(world, "mz.supervisor", "supervisor", "lh-mz")
        assert supervision.tasks(elsewhere) == []
        with pytest.raises(NotFoundError):
            supervision.get_check(elsewhere, permit_check)
        with pytest.raises(NotFoundError):
            supervision.conclude(
                elsewhere,
                permit_check,
                outcome="verified",
                note="核查属实",
                now=utcnow(),
                credit=SandboxCreditRegister(),
            )
        own = account(world, "wj.supervisor", "supervisor", "lh-wj")
        assert [c.public_id for c in supervision.tasks(own)] == [permit_check]


def test_an_auditor_reads_every_check_but_concludes_none(world, permit_check) -> None:
    with world.app_context():
        auditor = account(world, "the.auditor", "auditor", None)
        assert [c.public_id for c in supervision.tasks(auditor)] == [permit_check]
        assert supervision.get_check(auditor, permit_check).is_open
        with pytest.raises(PermissionDeniedError):
            supervision.conclude(
                auditor,
                permit_check,
                outcome="verified",
                note="核查属实",
                now=utcnow(),
                credit=SandboxCreditRegister(),
            )
        with pytest.raises(PermissionDeniedError):
            supervision.run_sampling(
                auditor, now=utcnow(), calendar=world.extensions["miaopi.calendar"]
            )


def test_a_false_commitment_without_a_certificate_still_revokes_and_flags(
    world: Flask,
) -> None:
    (first,) = add_candidates(world, 1)
    sample(world, SamplingPolicy(Rates(1.0, 1.0)))
    with world.app_context():
        check = db.session.scalars(sa.select(SupervisionCheck)).one()
        supervision.conclude(
            account(world, "mz.supervisor", "supervisor", "lh-mz"),
            check.public_id,
            outcome="false_commitment",
            note="入户调查：家庭有未申报的经营收入",
            now=utcnow(),
            credit=SandboxCreditRegister(),
        )
        application = db.session.scalars(
            sa.select(Application).filter_by(public_id=first)
        ).one()
        assert application.status is Status.REVOKED
        (record,) = db.session.scalars(sa.select(DishonestyRecord)).all()
        assert record.subject_id == "44050719750618005X"
        credit = db.session.scalars(
            sa.select(SandboxRecord).filter_by(
                source="CR", subject_id="44050719750618005X"
            )
        ).one()
        assert credit.data["false_commitment_record"] is True
        message = db.session.scalars(
            sa.select(OutboxMessage).filter_by(kind="commitment_false")
        ).one()
        assert message.recipient_id_number == "44050719750618005X"
    # The next approval of the same applicant is flagged and always drawn.
    (later,) = add_candidates(world, 1)
    sample(world, RISK_ONLY)
    with world.app_context():
        check = db.session.scalars(
            sa.select(SupervisionCheck)
            .join(Application)
            .where(Application.public_id == later)
        ).one()
        assert check.risk_flags == ["previous_false_commitment"] and check.selected
