"""近30天趋势 on the console's home page: the charts and their data tables,
and whose figures each role sees (?department= is for the bureau only)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa
from flask import Flask

from govcore import ratings
from govcore.applications import Application, Caller, ChannelKind
from govcore.clock import local_date, utcnow
from govcore.db import db
from tests.admin.test_console import log_in
from tests.api.test_decisions import apply
from tests.api.test_staff_reviews import make_account
from tests.api.conftest import criminal_record_certificate, dev_login
from tests.unit.test_charts import SVG, parse, svg_of, table_rows

CHARTS = (
    "chart-channels",
    "chart-departments",
    "chart-rate",
    "chart-decision-times",
    "chart-ratings",
)


@pytest.fixture
def decided(world: Flask, client) -> Flask:
    """Today: 高龄津贴 approved and refused (区民政局), 无犯罪记录证明 approved
    (龙湖公安分局), all on the phone; 陈伯 gives four stars."""
    applicant = world.test_client()
    approved = apply(applicant, "陈伯")
    apply(applicant, "李振华")
    criminal_record_certificate(applicant, dev_login(applicant, "陈志明"))
    with world.app_context():
        application = db.session.scalar(
            sa.select(Application).where(Application.public_id == approved["id"])
        )
        caller = Caller(application.applicant_id_number, "陈伯", ChannelKind.MOBILE)
        ratings.rate(application, caller, stars=4, reasons=["办理快速"], now=utcnow())
        db.session.commit()
    return world


def charts_on(page: str) -> dict[str, ET.Element]:
    found = re.findall(r'<figure class="chart" id="([^"]+)">.*?</figure>', page, re.S)
    return {
        chart_id: parse(
            re.search(
                rf'<figure class="chart" id="{chart_id}">.*?</figure>', page, re.S
            ).group(0)
        )
        for chart_id in found
    }


def today_row(figure: ET.Element) -> list[str]:
    label = local_date(utcnow()).strftime("%m-%d")
    return next(row for row in table_rows(figure) if row[0] == label)


def home(client, query: str = "") -> str:
    response = client.get(f"/admin/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_administrator_sees_every_chart_with_its_numbers(decided, client) -> None:
    secret = make_account(decided, "admin.one", "administrator", None)
    log_in(client, "admin.one", secret)
    page = home(client)
    assert "近30天趋势" in page and "全部部门" in page
    charts = charts_on(page)
    assert list(charts) == list(CHARTS)
    for chart_id, figure in charts.items():
        svg = svg_of(figure)
        assert svg.get("role") == "img"
        assert svg.find(f"{SVG}title").get("id") == f"{chart_id}-title"
    channels = charts["chart-channels"]
    assert table_rows(channels)[0] == ["日期", "移动端", "合计"]
    assert today_row(channels) == [today_row(channels)[0], "3", "3"]
    departments = charts["chart-departments"]
    assert table_rows(departments)[0] == ["日期", "区民政局", "龙湖公安分局", "合计"]
    assert today_row(departments)[1:] == ["2", "1", "3"]
    assert today_row(charts["chart-rate"])[1:] == ["67%", "3", "2"]
    times = dict((row[0], row[1]) for row in table_rows(charts["chart-decision-times"]))
    assert sum(int(v) for k, v in times.items() if k != "区间") == 3
    assert table_rows(charts["chart-ratings"])[1:3] == [
        ["5星 非常满意", "0", "0%"],
        ["4星 满意", "1", "100%"],
    ]
    # one option per department, none chosen
    assert page.count('<option value="lh-') >= 10 and " selected" not in page


def test_the_administrator_may_look_at_one_department(decided, client) -> None:
    secret = make_account(decided, "admin.one", "administrator", None)
    log_in(client, "admin.one", secret)
    page = home(client, "?department=lh-ga")
    assert '<option value="lh-ga" selected>' in page
    assert "· 龙湖公安分局" in page
    charts = charts_on(page)
    assert "chart-departments" not in charts
    assert today_row(charts["chart-channels"])[1:] == ["1", "1"]
    assert today_row(charts["chart-rate"])[1:] == ["100%", "1", "1"]
    # an unknown code shows the whole bureau
    everything = charts_on(home(client, "?department=nonsense"))
    assert today_row(everything["chart-channels"])[1:] == ["3", "3"]


def test_a_departmental_approver_sees_only_their_department(decided, client) -> None:
    secret = make_account(decided, "zhang.wei", "approver", "lh-mz")
    log_in(client, "zhang.wei", secret)
    page = home(client, "?department=lh-ga")  # asked for another: ignored
    assert "· 区民政局" in page and 'name="department"' not in page
    charts = charts_on(page)
    assert "chart-departments" not in charts
    assert today_row(charts["chart-channels"])[1:] == ["2", "2"]
    assert today_row(charts["chart-rate"])[1:] == ["50%", "2", "1"]
    assert "龙湖公安分局" not in page


def test_an_empty_bureau_shows_no_data_rather_than_broken_charts(world, client) -> None:
    secret = make_account(world, "sys.one", "sysadmin", None)
    log_in(client, "sys.one", secret)
    page = home(client, "?department=lh-ga")
    assert 'name="department"' not in page  # no reports.read: bureau totals only
    charts = charts_on(page)
    assert set(charts) == set(CHARTS)
    assert all("暂无数据" in "".join(f.itertext()) for f in charts.values())
    assert "<svg" not in page.split("近30天趋势", 1)[1]
