"""Certificate numbers and issuance under concurrency, on PostgreSQL.

50 approvals at once get 50 distinct numbers; 20 approvals of the same
application at once leave exactly one certificate.
"""

from __future__ import annotations

import secrets
import threading

import pytest
import sqlalchemy as sa

from govcore.applications.models import Application, Status
from govcore.applications.references import next_reference_no
from govcore.certificates.issuance import issue_for_decision
from govcore.certificates.models import ResultDocument
from govcore.clock import utcnow
from govcore.db import db
from govcore.decisions.models import Decision
from tests.api.conftest import create_draft, dev_login, load_world

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_world(postgres_app):
    load_world(postgres_app)
    return postgres_app


def approved_copies(app, count: int) -> list[int]:
    """``count`` approved applications (copies of one real draft)."""
    client = app.test_client()
    draft = create_draft(client, dev_login(client, "陈伯"), "aged-allowance")
    with app.app_context():
        original = db.session.scalars(
            sa.select(Application).where(Application.public_id == draft["id"])
        ).one()
        now = utcnow()
        ids = []
        for _ in range(count):
            copy = Application(
                public_id=secrets.token_hex(16),
                reference_no=next_reference_no(now),
                item_version_id=original.item_version_id,
                status=Status.APPROVED,
                applicant_kind=original.applicant_kind,
                applicant_id_number=original.applicant_id_number,
                applicant_name=original.applicant_name,
                channel=original.channel,
                created_at=now,
                updated_at=now,
                submitted_at=now,
            )
            db.session.add(copy)
            db.session.flush()
            ids.append(copy.id)
        db.session.commit()
        return ids


def approve_at_once(app, application_ids: list[int]) -> list[BaseException | None]:
    """Issue the certificate of each id in its own thread and transaction."""
    # Start together; then at most the pool's connections work at once.
    barrier = threading.Barrier(len(application_ids), timeout=60)
    errors: list[BaseException | None] = [None] * len(application_ids)
    services = app.extensions["miaopi.documents"]

    def run(index: int, application_id: int) -> None:
        barrier.wait()
        with app.app_context():
            try:
                application = db.session.get(Application, application_id)
                now = utcnow()
                decision = Decision(
                    application=application,
                    outcome="approve",
                    automated=True,
                    decided_by="system",
                    item_version=1,
                    rule_set="aged-allowance@v1#test",
                    rule_digest="0" * 64,
                    snapshot={},
                    snapshot_hash="0" * 64,
                    checks=[],
                    outputs={"age_tier": "80-89周岁", "standard": "360元/年"},
                    reasons=[],
                    latency_ms=0.0,
                    decided_at=now,
                )
                db.session.add(decision)
                issue_for_decision(application, decision, services=services, now=now)
                db.session.commit()
            except BaseException as exc:  # reported to the test
                errors[index] = exc
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=run, args=pair) for pair in enumerate(application_ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_fifty_concurrent_approvals_get_fifty_distinct_numbers(pg_world) -> None:
    ids = approved_copies(pg_world, 50)
    assert approve_at_once(pg_world, ids) == [None] * 50
    with pg_world.app_context():
        numbers = list(db.session.scalars(sa.select(ResultDocument.number)))
    assert len(numbers) == len(set(numbers)) == 50
    sequences = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequences == list(range(1, 51))


def test_twenty_concurrent_approvals_of_one_application_give_one_certificate(
    pg_world,
) -> None:
    (application_id,) = approved_copies(pg_world, 1)
    errors = approve_at_once(pg_world, [application_id] * 20)
    assert errors == [None] * 20  # the losers find the winner's certificate
    with pg_world.app_context():
        certificates = list(
            db.session.scalars(
                sa.select(ResultDocument).where(
                    ResultDocument.application_id == application_id
                )
            )
        )
    assert len(certificates) == 1
