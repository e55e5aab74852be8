"""The credit register of the sandbox: false commitments written into ``CR``."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from govcore.clock import local_date
from govcore.datahub.ports import CreditRegister
from govcore.datahub.sandbox.models import SandboxRecord
from govcore.datahub.sandbox.service import record_id_for
from govcore.db import db

CLEAN_RECORD = {
    "dishonest_executee": False,
    "severe_dishonest": False,
    "false_commitment_record": False,
}


class SandboxCreditRegister(CreditRegister):
    """Sets ``false_commitment_record`` on the subject's ``CR`` record and
    appends an entry, in the caller's transaction (the record is made when the
    subject has none). From then on the subject is no longer offered
    commitments (:mod:`govcore.applications.drafts`)."""

    def record_false_commitment(
        self, subject_id: str, *, application_ref: str, reason: str, now: datetime
    ) -> None:
        row = db.session.scalar(
            sa.select(SandboxRecord)
            .filter_by(source="CR", subject_id=subject_id)
            .with_for_update()
        )
        if row is None:
            row = SandboxRecord(
                source="CR",
                subject_id=subject_id,
                record_id=record_id_for("CR", subject_id),
                data=dict(CLEAN_RECORD),
                updated_at=now,
            )
            db.session.add(row)
        entry = {
            "application_ref": application_ref,
            "reason": reason,
            "recorded_on": local_date(now).isoformat(),
        }
        # A new dict: the JSON column does not track changes made in place.
        row.data = {
            **row.data,
            "false_commitment_record": True,
            "false_commitment_entries": [
                *row.data.get("false_commitment_entries", []),
                entry,
            ],
        }
        row.updated_at = now
        db.session.flush()
