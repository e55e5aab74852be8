"""数据纠错 at /admin/corrections: requests filed through the mobile API, shown
to the department's approvers with both values masked; forwarded to the
source's owner and answered, each audited, the applicant notified and shown
the answer; other departments, auditors and bad input."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from govcore.applications import CorrectionRequest
from govcore.audit import AuditEvent
from govcore.db import db
from govcore.notifications import OutboxMessage
from tests.admin.test_console import csrf
from tests.admin.test_tolerance_desk import console
from tests.admin.desk_records import CLAIMED, correction_request
from tests.api.conftest import dev_login


def stored(app: Flask, public_id: str) -> CorrectionRequest:
    with app.app_context():
        request = db.session.scalar(
            sa.select(CorrectionRequest).where(CorrectionRequest.public_id == public_id)
        )
        db.session.expunge(request)
        return request


def counts(app: Flask) -> tuple[int, int]:
    """How many correction_answered messages and correction audit events."""
    with app.app_context():
        messages = db.session.scalar(
            sa.select(sa.func.count()).where(
                OutboxMessage.kind == "correction_answered"
            )
        )
        events = db.session.scalar(
            sa.select(sa.func.count()).where(
                AuditEvent.action.in_(["correction_forwarded", "correction_answered"])
            )
        )
        return messages, events


def post(client: FlaskClient, path: str, **form: str):
    return client.post(path, data={**form, "csrf_token": csrf(client, "/admin/")})


def test_the_request_is_listed_and_shown_with_its_source(world, client) -> None:
    correction = correction_request(world, world.test_client())
    console(world, client, "approver", "lh-mz")
    listing = client.get("/admin/corrections").get_data(as_text=True)
    assert 'href="/admin/corrections"' in listing  # in the navigation
    assert f"/admin/corrections/{correction}" in listing
    assert "高龄老人津贴申领" in listing and "联系电话" in listing
    assert "社会保险（人社）" in listing and "待转交" in listing
    page = client.get(f"/admin/corrections/{correction}").get_data(as_text=True)
    record = stored(world, correction).record_id
    assert "社会保险（人社）" in page and "SI.card.phone" in page and record in page
    assert "139****9000" in page and CLAIMED not in page
    assert re.search(r"1\d\d\*\*\*\*\d{4}", page.split("申请人认为正确的值")[0])
    assert "已换号码" in page and "转交核实" in page


def test_forwarding_then_answering_notifies_the_applicant(world, client) -> None:
    api = world.test_client()
    correction = correction_request(world, api)
    console(world, client, "approver", "lh-mz")
    base = f"/admin/corrections/{correction}"

    forwarded = post(client, f"{base}/forward")
    assert forwarded.status_code == 302 and forwarded.location == base
    request = stored(world, correction)
    assert (request.status, request.forwarded_to) == ("forwarded", "社会保险（人社）")
    assert request.forwarded_by.startswith("staff:") and request.forwarded_at
    assert counts(world) == (0, 1)
    again = post(client, f"{base}/forward")
    assert again.status_code == 409 and "不能再转交" in again.get_data(True)
    assert "答复申请人" in client.get(base).get_data(as_text=True)
    listed = client.get("/admin/corrections?status=forwarded").get_data(True)
    assert correction in listed
    assert correction not in client.get("/admin/corrections?status=open").get_data(True)

    answered = post(
        client, f"{base}/answer", outcome="resolved", answer="经人社局核实，已更新号码"
    )
    assert answered.status_code == 302
    request = stored(world, correction)
    assert (request.status, request.answer) == ("resolved", "经人社局核实，已更新号码")
    assert request.answered_by == request.forwarded_by and request.answered_at
    assert counts(world) == (1, 2)
    with world.app_context():
        message = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "correction_answered")
        ).one()
        assert message.payload == {"outcome": "resolved"}
        assert message.recipient_id_number == "440507194401150010"
        actions = db.session.scalars(
            sa.select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(2)
        ).all()
        assert actions == ["correction_answered", "correction_forwarded"]
    page = client.get(base).get_data(as_text=True)
    assert "已更正" in page and "已通知申请人" in page and "提交答复" not in page
    twice = post(client, f"{base}/answer", outcome="rejected", answer="重复")
    assert twice.status_code == 409 and "已答复" in twice.get_data(True)

    # The applicant sees the status and the answer in the mini-program.
    auth = dev_login(api, "陈伯")
    mine = api.get("/api/v1/applications", headers=auth).json
    first = mine["applications"][0]
    detail = api.get(f"/api/v1/applications/{first['id']}", headers=auth).json
    shown = detail["corrections"][0]
    assert shown["status"] == "resolved" and shown["status_label"] == "已更正"
    assert shown["answer"] == "经人社局核实，已更新号码"
    assert shown["forwarded_to"] == "社会保险（人社）" and shown["answered_at"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"answer": "已核实"}, "请选择核实结果"),
        ({"outcome": "maybe", "answer": "已核实"}, "请选择核实结果"),
        ({"outcome": "rejected", "answer": "   "}, "请填写核实结果"),
        ({"outcome": "rejected", "answer": "长" * 501}, "请填写核实结果"),
    ],
)
def test_a_bad_answer_is_refused_and_changes_nothing(
    world, client, form, message
) -> None:
    correction = correction_request(world, world.test_client())
    console(world, client, "approver", "lh-mz")
    base = f"/admin/corrections/{correction}"
    assert post(client, f"{base}/forward").status_code == 302
    response = post(client, f"{base}/answer", **form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    request = stored(world, correction)
    assert (request.status, request.answer, request.answered_at) == (
        "forwarded",
        None,
        None,
    )
    assert counts(world) == (0, 1)


def test_an_answer_needs_the_request_forwarded_first(world, client) -> None:
    correction = correction_request(world, world.test_client())
    console(world, client, "approver", "lh-mz")
    response = post(
        client,
        f"/admin/corrections/{correction}/answer",
        outcome="rejected",
        answer="数据无误",
    )
    assert response.status_code == 409
    assert "请先将纠错申请转交" in response.get_data(as_text=True)
    assert stored(world, correction).status == "open" and counts(world) == (0, 0)


def test_another_department_does_not_see_the_request(world, client) -> None:
    correction = correction_request(world, world.test_client())
    console(world, client, "approver", "lh-rs")
    base = f"/admin/corrections/{correction}"
    assert correction not in client.get("/admin/corrections").get_data(True)
    assert client.get(base).status_code == 404
    assert post(client, f"{base}/forward").status_code == 404
    answer = post(client, f"{base}/answer", outcome="resolved", answer="x")
    assert answer.status_code == 404
    assert stored(world, correction).status == "open" and counts(world) == (0, 0)


def test_an_auditor_reads_but_cannot_act(world, client) -> None:
    correction = correction_request(world, world.test_client())
    console(world, client, "auditor", None)
    base = f"/admin/corrections/{correction}"
    assert correction in client.get("/admin/corrections").get_data(True)
    page = client.get(base)
    assert page.status_code == 200 and "转交核实" not in page.get_data(True)
    assert post(client, f"{base}/forward").status_code == 403
    answer = post(client, f"{base}/answer", outcome="resolved", answer="x")
    assert answer.status_code == 403
    assert stored(world, correction).status == "open" and counts(world) == (0, 0)


def test_unknown_status_filters_are_not_found(world, client) -> None:
    console(world, client, "approver", "lh-mz")
    assert client.get("/admin/corrections?status=done").status_code == 404
    assert client.get("/admin/corrections?status=rejected").status_code == 200
    assert client.get("/admin/corrections/nope").status_code == 404
