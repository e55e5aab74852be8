"""The 模拟设备控制台 at /devices/sim/ (standalone role, simulated devices)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from devices.simulated.control import (
    A4_FAULTS,
    DEFAULT_STATE,
    RECEIPT_PAPER,
    SCAN_SAMPLES,
)
from govcore.clock import local_date, utcnow
from govcore.datahub.sandbox.models import SandboxRecord
from govcore.datahub.sandbox.service import generate_into_sandbox
from govcore.db import db
from govcore.ports import DeviceState
from govcore.validation.id_numbers import mask_id_number
from tests.conftest import make_test_app
from webapp import sim_panel
from webapp.devices import build_devices, sim_control

ID_NUMBER = re.compile(r"\d{17}[\dX]")


def standalone_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **settings):
    monkeypatch.setenv("MIAOPI_INSTANCE_PATH", str(tmp_path / "instance"))
    settings = {"ROLE": "standalone", "DEVICES": "simulated", **settings}
    return make_test_app(f"sqlite:///{tmp_path / 'miaopi.sqlite3'}", **settings)


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    app = standalone_app(tmp_path, monkeypatch)
    with app.app_context():
        db.create_all()
        now = utcnow()
        generate_into_sandbox(30, seed=7, today=local_date(now), now=now)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def people(app: Flask) -> list[dict]:
    """Every HK record of the sandbox, in the panel's order."""
    with app.app_context():
        rows = db.session.scalars(
            sa.select(SandboxRecord)
            .filter_by(source="HK")
            .order_by(SandboxRecord.subject_id)
        )
        return [{"ref": row.record_id, **row.data} for row in rows]


def token(client: FlaskClient) -> str:
    page = client.get("/devices/sim/").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def post(client: FlaskClient, action: str, **form: str):
    return client.post(
        f"/devices/sim/{action}", data={"csrf_token": token(client), **form}
    )


def state(app: Flask) -> dict:
    return sim_control(app).read()


def test_the_panel_is_absent_outside_the_standalone_simulated_role(
    tmp_path, monkeypatch
) -> None:
    testing = make_test_app("sqlite://")
    assert testing.config["ROLE"] == "testing"
    assert testing.test_client().get("/devices/sim/").status_code == 404
    assert testing.test_client().post("/devices/sim/a4").status_code == 404
    real = standalone_app(tmp_path, monkeypatch, DEVICES="real")
    assert real.test_client().get("/devices/sim/").status_code == 404


def test_the_page_shows_device_states_and_masked_people_only(app, client) -> None:
    sim_control(app).update(a4_fault="media-jam", receipt_paper="near_end")
    response = client.get("/devices/sim/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "模拟设备控制台" in page
    assert "A4打印机卡纸（模拟）" in page and "media-jam" in page
    assert "小票纸将尽（模拟）" in page
    assert "扫描仪就绪（模拟）" in page and "身份证读卡器就绪（模拟）" in page
    everyone = people(app)
    shown = everyone[: sim_panel.PEOPLE_SHOWN]
    assert len(everyone) > sim_panel.PEOPLE_SHOWN
    for person in shown:
        assert mask_id_number(person["id_no"]) in page
        assert f'value="{person["ref"]}"' in page
    assert f'value="{everyone[sim_panel.PEOPLE_SHOWN]["ref"]}"' not in page
    assert page.count('name="person"') == sim_panel.PEOPLE_SHOWN
    assert not ID_NUMBER.search(page), "a full ID number on the page"
    for person in everyone:
        assert person["name"] not in page or len(person["name"]) == 1
    assert "<script" not in page and "style=" not in page
    # No timed refresh (WCAG 2.2.1, axe's meta-refresh): a link reloads it.
    assert 'http-equiv="refresh"' not in page
    assert 'href="/devices/sim/">刷新</a>' in page


def test_inserting_a_card_puts_the_persons_card_on_the_reader(app, client) -> None:
    person = people(app)[3]
    response = post(client, "insert-card", person=person["ref"])
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/devices/sim/")
    card = state(app)["card"]
    assert (card["name"], card["id_number"], card["sex"]) == (
        person["name"],
        person["id_no"],
        person["sex"],
    )
    assert card["birth_date"] == person["birth_date"]
    read = build_devices(app).reader.read_card()
    assert read.id_number == person["id_no"]
    page = client.get("/devices/sim/").get_data(as_text=True)
    assert "已放卡" in page and mask_id_number(person["id_no"]) in page
    assert person["id_no"] not in page and not ID_NUMBER.search(page)
    assert person["name"] not in page


def test_a_card_can_also_be_chosen_by_an_id_number_in_the_body(app, client) -> None:
    person = people(app)[-1]  # not among the people listed
    response = post(client, "insert-card", id_number=person["id_no"].lower())
    assert response.status_code == 303
    assert state(app)["card"]["id_number"] == person["id_no"]


def test_an_unknown_person_is_refused_and_the_reader_stays_as_it_was(
    app, client
) -> None:
    for form, field in (
        ({"person": "HK-00000000000000000000"}, "person"),
        ({"id_number": "110101199003070000"}, "id_number"),
        ({}, "id_number"),
    ):
        response = post(client, "insert-card", **form)
        assert response.status_code == 400, form
        page = response.get_data(as_text=True)
        assert f"（{field}）" in page and "设备状态没有改变" in page
        assert state(app)["card"] is None


def test_a_post_without_csrf_token_is_refused(app, client) -> None:
    person = people(app)[0]
    for action, form in (
        ("insert-card", {"person": person["ref"]}),
        ("a4", {"value": "media-jam"}),
        ("remove-card", {}),
    ):
        response = client.post(f"/devices/sim/{action}", data=form)
        assert response.status_code == 400, action
    assert state(app) == DEFAULT_STATE


@pytest.mark.parametrize(
    ("action", "value", "changed"),
    [
        ("reader-fault", "read_failed", {"reader_fault": "read_failed"}),
        ("reader-fault", "select_failed", {"reader_fault": "select_failed"}),
        ("reader-fault", "timeout", {"reader_fault": "timeout"}),
        *[("a4", fault, {"a4_fault": fault}) for fault in A4_FAULTS],
        ("receipt-paper", "near_end", {"receipt_paper": "near_end"}),
        ("receipt-paper", "empty", {"receipt_paper": "empty"}),
        ("scanner", "offline", {"scanner_offline": True}),
        ("scan-sample", "photo", {"scan_sample": "photo"}),
        ("scan-sample", "none", {"scan_sample": "none"}),
    ],
)
def test_each_setting_changes_the_state(app, client, action, value, changed) -> None:
    response = post(client, action, value=value)
    assert response.status_code == 303
    assert state(app) == {**DEFAULT_STATE, **changed}
    page = client.get("/devices/sim/").get_data(as_text=True)
    label = sim_panel.SETTINGS[action].choices[value]
    assert f"{sim_panel.SETTINGS[action].title}：{label}" in page  # the flash


def test_settings_are_cleared_and_reach_the_devices(app, client) -> None:
    devices = build_devices(app)
    post(client, "a4", value="media-empty")
    post(client, "receipt-paper", value="empty")
    post(client, "scanner", value="offline")
    assert devices.a4_printer.status().state is DeviceState.NEEDS_ATTENTION
    assert devices.receipt_printer.status().state is DeviceState.NEEDS_ATTENTION
    assert devices.scanner.status().state is DeviceState.OFFLINE
    post(client, "a4", value="none")
    post(client, "receipt-paper", value="ok")
    post(client, "scanner", value="online")
    post(client, "reader-fault", value="timeout")
    post(client, "reader-fault", value="none")
    assert state(app) == DEFAULT_STATE
    assert devices.a4_printer.status().state is DeviceState.READY
    assert devices.scanner.status().state is DeviceState.READY


@pytest.mark.parametrize(
    ("action", "value"),
    [
        ("a4", "on-fire"),
        ("a4", ""),
        ("receipt-paper", "none"),
        ("reader-fault", "checksum"),
        ("scanner", "true"),
        ("scan-sample", "offline"),
    ],
)
def test_a_value_not_offered_is_refused(app, client, action, value) -> None:
    sim_control(app).update(a4_fault="toner-low")
    before = state(app)
    response = post(client, action, value=value)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert sim_panel.SETTINGS[action].title in page and "不允许的取值" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert state(app) == before


def test_an_unknown_action_is_not_found(app, client) -> None:
    assert post(client, "printer", value="none").status_code == 404
    assert state(app) == DEFAULT_STATE


def test_removing_the_card_empties_the_reader(app, client) -> None:
    post(client, "insert-card", person=people(app)[0]["ref"])
    assert state(app)["card"] is not None
    response = post(client, "remove-card")
    assert response.status_code == 303
    assert state(app)["card"] is None
    assert build_devices(app).reader.card_present() is False
    page = client.get("/devices/sim/").get_data(as_text=True)
    assert "已拔卡" in page and "读卡器上没有证件" in page


def test_the_labels_cover_the_simulators_values() -> None:
    settings = sim_panel.SETTINGS
    assert set(settings["a4"].choices) == {"none", *A4_FAULTS}
    assert set(settings["receipt-paper"].choices) == set(RECEIPT_PAPER)
    assert set(settings["scan-sample"].choices) == set(SCAN_SAMPLES)
