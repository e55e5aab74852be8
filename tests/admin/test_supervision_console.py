"""事后监管 in the console: a supervisor of 区卫健局 draws, opens the check of a
hygiene permit granted on a commitment and finds the commitment false; the
permit's verification page then says it is revoked."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from govcore.applications import Application, Status
from govcore.certificates.models import ResultDocument
from govcore.db import db
from govcore.supervision import SupervisionCheck
from tests.admin.test_console import csrf, log_in
from tests.api.test_staff_reviews import make_account
from tests.integration.supervision_world import SHOP, hygiene_permit


def test_a_supervisor_finds_a_commitment_false(world: Flask, client) -> None:
    application_id = hygiene_permit(world.test_client())
    secret = make_account(world, "wj.supervisor", "supervisor", "lh-wj")
    log_in(client, "wj.supervisor", secret)
    assert "事后监管" in client.get("/admin/").get_data(as_text=True)
    drawn = client.post(
        "/admin/supervision/sample",
        data={"csrf_token": csrf(client, "/admin/supervision")},
        follow_redirects=True,
    )
    queue = drawn.get_data(as_text=True)
    assert "本次考察 1 件" in queue and "抽中 1 件" in queue
    assert "公共场所卫生许可" in queue and "承诺代替2项及以上材料" in queue
    with world.app_context():
        check_id = db.session.scalars(sa.select(SupervisionCheck.public_id)).one()
    page = client.get(f"/admin/supervision/{check_id}").get_data(as_text=True)
    assert "抽中依据" in page and "风险抽查比例 1.00" in page
    assert "卫生检测（评价）合格报告" in page  # a material the commitment replaced
    assert "告知承诺书" in page and "林**（4405**********0093）" in page
    assert "林锦鸿" not in page
    assert SHOP.credit_code in page and "440507198002260093" not in page
    assert "撤销本办件的全部有效证照" in page and "记入申请人的信用记录" in page

    url = f"/admin/supervision/{check_id}/outcome"
    note = "现场核查：无卫生检测报告，场所无消毒间"
    token = csrf(client, f"/admin/supervision/{check_id}")
    unconfirmed = client.post(
        url, data={"outcome": "false_commitment", "note": note, "csrf_token": token}
    )
    assert unconfirmed.status_code == 422 and "请勾选确认" in unconfirmed.get_data(True)
    done = client.post(
        url,
        data={
            "outcome": "false_commitment",
            "note": note,
            "confirm": "yes",
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    closed = client.get("/admin/supervision?status=closed").get_data(as_text=True)
    assert check_id in closed and "承诺不实" in closed
    with world.app_context():
        application = db.session.scalars(
            sa.select(Application).filter_by(public_id=application_id)
        ).one()
        assert application.status is Status.REVOKED
        token = db.session.scalar(
            sa.select(ResultDocument.token).filter_by(
                application_id=application.id, kind="certificate"
            )
        )
    verified = client.get(f"/verify/{token}").get_data(as_text=True)
    assert "已撤销" in verified
    again = client.post(
        url,
        data={
            "outcome": "verified",
            "note": "再次提交",
            "csrf_token": csrf(client, f"/admin/supervision/{check_id}"),
        },
    )
    assert again.status_code == 409 and "已办结" in again.get_data(True)


def test_the_queue_marks_an_overdue_check(world: Flask, client) -> None:
    hygiene_permit(world.test_client())
    secret = make_account(world, "wj.supervisor", "supervisor", "lh-wj")
    log_in(client, "wj.supervisor", secret)
    client.post(
        "/admin/supervision/sample",
        data={"csrf_token": csrf(client, "/admin/supervision")},
    )
    with world.app_context():
        check = db.session.scalars(sa.select(SupervisionCheck)).one()
        check.due_on = check.approved_on.replace(year=check.approved_on.year - 1)
        db.session.commit()
    queue = client.get("/admin/supervision").get_data(as_text=True)
    assert re.search(r'<tr class="overdue">', queue) and "（已超期）" in queue
    nothing = client.post(
        "/admin/supervision/sample",
        data={"csrf_token": csrf(client, "/admin/supervision")},
        follow_redirects=True,
    )
    assert "没有待抽取的办件" in nothing.get_data(as_text=True)
