"""Approvals made on a commitment, for the tests of 事后监管.

:func:`hygiene_permit` goes the whole way through the API (林锦鸿's shop gets a
公共场所卫生许可 on a signed commitment, certificate and all);
:func:`relief_approval` is 区民政局's: 临时救助 with a commitment, decided by
an approver; :func:`add_candidates` writes bare approved applications straight
into the database, as many as a sampling test needs.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from govcore import catalog, decisions, staff, supervision
from govcore.applications import Application, SignedCommitment, Status, StatusChange
from govcore.applications.models import ApplicantKind, ChannelKind
from govcore.certificates.issuance import available
from govcore.clock import local_date, utcnow
from govcore.db import db
from govcore.decisions import ReviewTask
from govcore.staff import StaffAccount
from tests.api.conftest import ORG, create_draft, dev_login, upload_missing
from tests.api.test_staff_reviews import make_account

SHOP = ORG["龙湖区金霞锦鸿商行"]
HYGIENE_ENTRIES = {
    "venue_type": "商场（超市）",
    "commitment_signed": True,
    "floor_area": "120.00",
    "hygiene_manager": "林店长",
}
RELIEF_ENTRIES = {
    "relief_type": "急难型",
    "reason_code": "火灾",
    "reason_text": "家中失火，衣物家电损毁",
}


def _apply(client: FlaskClient, persona: str, item: str, entries: dict, **body) -> dict:
    """Fill, sign, upload what is missing and submit; return the answer."""
    auth = dev_login(client, persona)
    detail = create_draft(client, auth, item, **body)
    url = f"/api/v1/applications/{detail['id']}"
    response = client.patch(url, json={"fields": entries}, headers=auth)
    assert response.status_code == 200, response.json
    text = client.get(f"{url}/commitment", headers=auth).json
    signed = client.post(
        f"{url}/commitment",
        json={"text_sha256": text["text_sha256"], "consent": {"confirmed": True}},
        headers=auth,
    )
    assert signed.status_code == 201, signed.json
    upload_missing(
        client, url, signed.json["materials"], auth, states=("missing", "tolerated")
    )
    response = client.post(
        f"{url}/submit", headers={**auth, "Idempotency-Key": secrets.token_hex(8)}
    )
    assert response.status_code == 200, response.json
    return response.json


def hygiene_permit(client: FlaskClient) -> str:
    """林锦鸿's shop approved on a commitment (区卫健局); its public id."""
    result = _apply(
        client,
        "林锦鸿",
        "public-venue-hygiene-permit",
        HYGIENE_ENTRIES,
        organisation=SHOP.credit_code,
    )
    assert result["status"] == "approved", result["decision"]
    return result["id"]


def relief_approval(app: Flask, client: FlaskClient) -> str:
    """吴建新's 临时救助 on a commitment, approved by a reviewer (区民政局)."""
    result = _apply(client, "吴建新", "temporary-relief", RELIEF_ENTRIES)
    assert result["status"] == "manual_review", result["decision"]
    with app.app_context():
        task = db.session.scalars(
            sa.select(ReviewTask)
            .join(Application)
            .where(Application.public_id == result["id"])
        ).one()
        decisions.review(
            task.public_id,
            staff_id="test",
            approve=True,
            reason="入户调查属实",
            documents=available(app.extensions["miaopi.documents"]),
            now=utcnow(),
        )
    return result["id"]


def add_candidates(
    app: Flask,
    count: int,
    *,
    item: str = "temporary-relief",
    agent: bool = False,
    tolerated: bool = False,
    replaces: tuple[str, ...] = ("income_declaration",),
    approved_at: datetime | None = None,
) -> list[str]:
    """Write ``count`` approved applications with a signed commitment."""
    now = approved_at or utcnow()
    made = []
    with app.app_context():
        version = catalog.get_item_version(item, on=local_date(now))
        for _ in range(count):
            application = Application(
                public_id=secrets.token_hex(16),
                reference_no=f"T{secrets.token_hex(8)}",
                item_version_id=version.id,
                status=Status.APPROVED,
                applicant_kind=ApplicantKind.PERSON,
                applicant_id_number="44050719750618005X",
                applicant_name="吴建新",
                agent_id_number="440507199007051236" if agent else None,
                agent_name="陈志明" if agent else None,
                channel=ChannelKind.MOBILE,
                created_at=now,
                updated_at=now,
            )
            application.commitments.append(
                SignedCommitment(
                    text="告知承诺书\n承诺人：吴建新",
                    text_sha256="0" * 64,
                    replaces=list(replaces),
                    signer_id_number="44050719750618005X",
                    channel=ChannelKind.MOBILE,
                    signed_at=now,
                    consent={"confirmed": True},
                )
            )
            steps = [Status.SUBMITTED]
            if tolerated:
                steps += [Status.AWAITING_MATERIALS, Status.SUBMITTED]
            for before, after in zip([None, *steps], [*steps, Status.APPROVED]):
                application.history.append(
                    StatusChange(
                        from_status=before,
                        to_status=after,
                        actor="test",
                        channel="mobile",
                        at=now - timedelta(minutes=1),
                    )
                )
            db.session.add(application)
            made.append(application.public_id)
        db.session.commit()
    return made


def account(app: Flask, username: str, role: str, department: str | None):
    """A staff account (made if new), loaded in the current app context."""
    if db.session.scalar(sa.select(StaffAccount).filter_by(username=username)) is None:
        make_account(app, username, role, department)
    return db.session.scalars(
        sa.select(staff.StaffAccount).filter_by(username=username)
    ).one()


def relief_check(app: Flask, client: FlaskClient) -> str:
    """An open check of 区民政局: 吴建新's 临时救助, drawn at a rate of 1."""
    application_id = relief_approval(app, client)
    with app.app_context():
        supervision.sample(
            now=utcnow(),
            actor="test",
            calendar=app.extensions["miaopi.calendar"],
            policy=supervision.SamplingPolicy(supervision.Rates(1.0, 1.0)),
        )
        return db.session.scalars(
            sa.select(supervision.SupervisionCheck.public_id)
            .join(Application)
            .where(Application.public_id == application_id)
        ).one()
