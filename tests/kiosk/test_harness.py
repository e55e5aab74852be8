"""The kiosk harness itself: the live server, its agent, Chromium and axe-core
work, and each of them can fail a test."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kiosk.harness import (
    SCREENSHOTS,
    KioskServer,
    any_person,
    axe_violations,
    sandbox_person,
    shot,
    wait_for,
)


def test_agent_heartbeats_put_the_terminal_online(kiosk_server: KioskServer):
    kiosk_server.wait_terminal_online()

    assert kiosk_server.terminal_online()
    assert "heartbeat" in kiosk_server.events()


def test_a_card_on_the_simulated_reader_reaches_the_server(
    kiosk_server: KioskServer,
):
    kiosk_server.wait_terminal_online()
    since = kiosk_server.last_event_id()

    card = kiosk_server.insert_card(any_person(kiosk_server.app))

    kiosk_server.wait_event("card_inserted", after=since, timeout=3)
    assert card["card_type"] and len(card["id_number"]) == 18
    since = kiosk_server.last_event_id()
    kiosk_server.remove_card(wait=False)
    kiosk_server.wait_event("card_removed", after=since, timeout=3)
    with pytest.raises(AssertionError, match="no card_inserted event"):
        kiosk_server.wait_event("card_inserted", after=since, timeout=0.5)


def test_sandbox_person_matches_record_fields(kiosk_server: KioskServer):
    woman = sandbox_person(kiosk_server.app, sex="F")
    born_before_1960 = sandbox_person(kiosk_server.app, birth_date=lambda d: d < "1960")

    assert int(woman[16]) % 2 == 0  # the 17th digit: even for women
    assert born_before_1960[6:10] < "1960"
    with pytest.raises(LookupError):
        sandbox_person(kiosk_server.app, sex="nobody")


def test_wait_for_fails_with_its_description():
    with pytest.raises(AssertionError, match="never true"):
        wait_for(lambda: False, timeout=0.2, describe="never true")


def test_the_simulator_panel_in_chromium(kiosk_server: KioskServer, page: Any):
    page.goto(f"{kiosk_server.base_url}/devices/sim/")

    assert page.get_by_role("heading", name="模拟设备控制台").is_visible()
    path = shot(page, "sim-panel")
    assert path == SCREENSHOTS / "sim-panel.png" and path.stat().st_size > 10_000
    assert axe_violations(page) == []


def test_the_simulator_panel_landscape(kiosk_server: KioskServer, landscape_page):
    landscape_page.goto(f"{kiosk_server.base_url}/devices/sim/")

    assert landscape_page.viewport_size == {"width": 1920, "height": 1080}
    shot(landscape_page, "sim-panel-landscape")
    assert axe_violations(landscape_page) == []


def test_axe_finds_violations_on_a_bad_page(page: Any):
    page.set_content('<html><body><img src="x.png"><button></button></body></html>')

    found = {v["id"]: v for v in axe_violations(page)}

    assert {"image-alt", "button-name"} <= set(found)
    assert found["image-alt"]["impact"] == "critical"
    assert found["image-alt"]["targets"] == ["img"]
    assert all(v["impact"] in ("serious", "critical") for v in found.values())
    minor = axe_violations(page, impacts=("moderate",))
    assert {v["id"] for v in minor} >= {"landmark-one-main"}


def test_axe_loads_despite_a_content_security_policy(page: Any):
    page.set_content(
        '<html lang="zh-CN"><head><meta http-equiv="Content-Security-Policy" '
        "content=\"script-src 'none'\"><title>CSP</title></head>"
        "<body><main><h1>无脚本</h1></main></body></html>"
    )

    assert axe_violations(page) == []


def test_uncaught_javascript_errors_are_collected(page: Any, js_errors):
    page.set_content("<script>throw new Error('kiosk bug')</script>")

    wait_for(lambda: js_errors, timeout=2)
    assert "kiosk bug" in js_errors[0]
    js_errors.clear()  # expected here; left in the list it fails the test


def test_server_errors_are_collected(
    kiosk_server: KioskServer, page: Any, monkeypatch: pytest.MonkeyPatch
):
    def boom():
        raise RuntimeError("boom")

    monkeypatch.setitem(kiosk_server.app.view_functions, "health.healthz", boom)
    response = page.goto(f"{kiosk_server.base_url}/healthz")

    assert response.status == 500
    wait_for(lambda: kiosk_server.errors, timeout=2)
    assert "boom" in kiosk_server._errors_text()
    kiosk_server.errors.clear()  # expected here; left, it fails the test
