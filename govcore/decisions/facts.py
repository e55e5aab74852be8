"""Gathering the facts a rule set needs into a snapshot (see govcore.rules.engine).

The sources are asked afresh at decision time (a draft may be days old), once
each, through one :class:`DataLookup`. What could not be read is recorded as
``unavailable``, never guessed.
"""

from __future__ import annotations

import sqlalchemy as sa
from datetime import datetime
from typing import Any

from govcore.applications.models import Application, Status
from govcore.applications.materials import material_states
from govcore.clock import local_date
from govcore.datahub import DataLookup, DataSource, DataSourceError, NoRecordError
from govcore.db import db
from govcore.rules.engine import CompiledRules, plain_json


def source_facts(
    lookup: DataLookup, source: str, subject: str | None
) -> dict[str, Any]:
    if subject is None:
        return {"status": "no_record"}
    try:
        record = lookup.record(source, subject)
    except NoRecordError:
        return {"status": "no_record"}
    except DataSourceError as exc:
        return {"status": "unavailable", "error": exc.code}
    return {
        "status": "ok",
        "record_id": record.record_id,
        "data": plain_json(record.data),
    }


def sources_snapshot(
    rules: CompiledRules,
    lookup: DataLookup,
    *,
    person: str,
    organisation: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The shared-data part of a snapshot: every source the rules read."""
    subjects = {"person": person, "organisation": organisation}
    snapshot: dict[str, Any] = {
        "today": local_date(now).isoformat(),
        "person": {},
        "organisation": {},
    }
    with db.session.no_autoflush:  # reads only: nothing pending needs flushing
        for kind, name in sorted(rules.sources):
            snapshot[kind][name] = source_facts(lookup, name, subjects[kind])
    return snapshot


def person_snapshot(
    rules: CompiledRules, lookup: DataLookup, id_number: str, *, now: datetime
) -> dict[str, Any]:
    """A snapshot for a person who has not applied (免申即享, dry runs)."""
    snapshot = sources_snapshot(
        rules, lookup, person=id_number, organisation=None, now=now
    )
    snapshot["form"] = {}
    snapshot["application"] = {
        "kind": "person",
        "agent": False,
        "commitment_signed": False,
        "channel": "system",
        "owed_materials": 0,
        "previous": 0,
    }
    return snapshot


def gather(
    application: Application,
    rules: CompiledRules,
    source: DataSource,
    *,
    now: datetime,
) -> dict[str, Any]:
    """The snapshot the rules of ``application``'s item decide on."""
    snapshot = sources_snapshot(
        rules,
        DataLookup(source, now=now),
        person=application.applicant_id_number,
        organisation=application.org_credit_code,
        now=now,
    )
    owed = 0
    if application.status is Status.AWAITING_MATERIALS:
        owed = sum(s.state == "tolerated" for s in material_states(application))
    snapshot["form"] = {v.key: v.value for v in application.values}
    snapshot["application"] = {
        "kind": application.applicant_kind.value,
        "agent": application.agent_id_number is not None,
        "commitment_signed": bool(application.commitments),
        "channel": application.channel.value,
        "owed_materials": owed,
        "previous": _previous(application),
    }
    return snapshot


PENDING_OR_GRANTED = (
    Status.SUBMITTED,
    Status.AWAITING_MATERIALS,
    Status.MANUAL_REVIEW,
    Status.APPROVED,
    Status.CERTIFICATE_ISSUED,
)


def _previous(application: Application) -> int:
    """Other applications of the same item by the same applicant, still alive."""
    from govcore.catalog.models import ItemVersion

    return (
        db.session.scalar(
            sa.select(sa.func.count(Application.id))
            .join(ItemVersion)
            .where(
                ItemVersion.item_id == application.item_version.item_id,
                Application.applicant_id_number == application.applicant_id_number,
                (
                    Application.org_credit_code.is_(None)
                    if application.org_credit_code is None
                    else Application.org_credit_code == application.org_credit_code
                ),
                Application.status.in_(PENDING_OR_GRANTED),
                Application.id != application.id,
            )
        )
        or 0
    )
