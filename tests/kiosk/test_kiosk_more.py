"""The kiosk in Chromium, beyond the main flows: staff assistance, the phone
(hand-off and pickup QR codes read back from the screen), proactive offers,
a lost network, spoken prompts, and both screen orientations."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import requests
import zxingcpp
from PIL import Image

from govcore import staff
from govcore.applications import Status
from govcore.clock import utcnow
from govcore.datahub.ports import SubjectDirectory
from govcore.db import db
from govcore.decisions.proactive import find_and_offer
from govcore.staff.kiosk_assist import enrol
from tests.kiosk.harness import KioskServer, axe_violations, shot
from tests.kiosk.test_kiosk_flows import (
    PERSON,
    application_of,
    apply_with_the_a4_printer_down,
    choose,
    next_step,
    prints_finished,
    start,
    submit,
)

PIN = "135790"


def read_qr(page: Any) -> str:
    """The text of the QR code on the screen, read from a screenshot."""
    png = page.locator(".qr svg").screenshot()
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return barcode.text


def from_the_phone(
    server: KioskServer, name: str, path: str, code: str
) -> requests.Response:
    """``name`` logs in on the mini-program and posts ``code`` to ``path``."""
    api = server.base_url + "/api/v1"
    login = requests.post(
        f"{api}/auth/dev-login",
        json={"id_number": PERSON[name], "name": name},
        timeout=5,
    ).json()
    return requests.post(
        api + path,
        json={"code": code},
        headers={"Authorization": f"Bearer {login['token']}"},
        timeout=5,
    )


def no_serious_violations(page: Any) -> None:
    assert axe_violations(page) == []


@pytest.fixture(scope="module")
def operator(kiosk_server: KioskServer) -> staff.StaffAccount:
    """A window operator enrolled to assist with 陈志明's card (a sandbox
    person, so the simulator can put the card on the reader)."""
    app = kiosk_server.app
    with app.app_context():
        account, _ = staff.create_account(
            "hall.chen",
            display_name="陈志明",
            role="operator",
            department_code="lh-mz",
            password="correct horse battery",
            now=utcnow(),
            actor="test",
        )
        enrol(
            account,
            id_number=PERSON["陈志明"],
            pin=PIN,
            pepper=app.extensions["miaopi.card_pepper"],
            now=utcnow(),
        )
        db.session.commit()
        return account.id


def type_pin(page: Any, pin: str) -> None:
    page.locator("#pin").click()
    for digit in pin:
        page.locator(f"#keypad [data-key='{digit}']").click()
    page.locator("#keypad [data-key='done']").click()


def test_staff_assist_with_their_card_and_pin(kiosk_server, page, operator) -> None:
    kiosk_server.wait_terminal_online()
    page.goto(f"{kiosk_server.base_url}/kiosk/")
    page.get_by_role("link", name="工作人员协助").click()
    page.wait_for_url("**/assist")
    kiosk_server.insert_card(PERSON["陈志明"])
    page.wait_for_url("**/assist/pin")
    type_pin(page, "000000")
    page.get_by_role("button", name="确认").click()
    assert "PIN 不正确" in page.inner_text("main")
    shot(page, "assist-01-pin")
    no_serious_violations(page)
    type_pin(page, PIN)
    page.get_by_role("button", name="确认").click()
    page.wait_for_url("**/kiosk/")
    banner = page.get_by_role("status").filter(has_text="正在协助")
    assert "陈**" in banner.inner_text() or "陈*" in banner.inner_text()
    kiosk_server.remove_card()

    start(page, kiosk_server, "蔡锐鸿")  # the citizen's own card now
    assert page.locator(".assist-banner").is_visible()
    shot(page, "assist-02-home")
    choose(page, "高龄老人津贴申领")
    application = application_of(kiosk_server, "蔡锐鸿")
    assert application.staff_id == str(operator)
    kiosk_server.remove_card(wait=False)
    page.wait_for_url("**/kiosk/ended")
    assert page.locator(".assist-banner").is_visible()  # still assisting
    page.goto(f"{kiosk_server.base_url}/kiosk/")
    page.get_by_role("button", name="结束协助").click()
    page.wait_for_url("**/kiosk/")
    assert not page.locator(".assist-banner").count()


def test_an_unknown_card_at_the_staff_sign_in_is_turned_away(
    kiosk_server, page
) -> None:
    kiosk_server.wait_terminal_online()
    page.goto(f"{kiosk_server.base_url}/kiosk/assist")
    kiosk_server.insert_card(PERSON["杨国强"])
    page.get_by_text("未登记为工作人员").wait_for()
    assert page.url.endswith("/kiosk/assist")


def test_continue_on_the_phone_ends_the_kiosk_session(kiosk_server, page) -> None:
    start(page, kiosk_server, "洪思敏")
    choose(page, "困难残疾人生活补贴")
    page.get_by_role("link", name="到手机上继续").click()
    page.wait_for_url("**/handoff")
    shot(page, "handoff-qr")
    no_serious_violations(page)
    url = read_qr(page)
    code = re.search(r"[?&]code=([^&]+)", url).group(1)
    claimed = from_the_phone(kiosk_server, "洪思敏", "/handoff/claim", code)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["channel"] == "mobile"
    page.wait_for_url("**/kiosk/ended")
    assert "已转到手机继续办理" in page.inner_text("main")
    kiosk_server.remove_card()


def test_a_proactive_offer_is_confirmed_in_one_tap(kiosk_server, page) -> None:
    class Only(SubjectDirectory):  # the proactive scan, for one person
        def subjects(self, source: str, *, limit: int | None = None) -> list[str]:
            return [PERSON["黄妙钿"]]

    app = kiosk_server.app
    with app.app_context():
        report = find_and_offer(
            "aged-allowance",
            source=app.extensions["miaopi.datasource"],
            directory=Only(),
            calendar=app.extensions["miaopi.calendar"],
            documents=app.extensions["miaopi.documents"],
            now=utcnow(),
            mode="confirm",
        )
        db.session.commit()
    assert report.matched == 1, report  # offered now, or by the demo's prepare
    start(page, kiosk_server, "黄妙钿")
    banner = page.locator(".offer-banner")
    assert banner.is_visible() and "可以直接领取" in banner.inner_text()
    banner.click()
    page.wait_for_url("**/offers")
    assert "确认后当场办结" in page.locator(".mrow").inner_text()
    shot(page, "offer-01-list")
    no_serious_violations(page)
    page.get_by_role("button", name="确认领取").click()
    page.wait_for_url("**/result")
    assert "办理成功" in page.inner_text("h1")
    prints_finished(page)
    assert application_of(kiosk_server, "黄妙钿").status in (
        Status.APPROVED,
        Status.CERTIFICATE_ISSUED,
    )


def test_the_printed_document_can_be_taken_on_the_phone(kiosk_server, page) -> None:
    apply_with_the_a4_printer_down(page, kiosk_server, "沈德茂", "media-empty")
    prints_finished(page)
    page.get_by_role("link", name="用手机扫码领取").click()
    page.wait_for_url("**/pickup")
    shot(page, "pickup-qr")
    no_serious_violations(page)
    url = read_qr(page)
    assert url.startswith(kiosk_server.base_url + "/verify/pickup/")
    pdf = requests.get(url, timeout=10)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"] == "no-store"
    for _ in range(2):
        assert requests.get(url, timeout=10).status_code == 200
    assert requests.get(url, timeout=10).status_code == 404  # three at most


def test_a_lost_network_is_said_and_recovers(kiosk_server, page) -> None:
    start(page, kiosk_server, "陈志明")
    notice = page.locator("#offline")
    assert not notice.is_visible()
    page.context.set_offline(True)
    notice.wait_for(state="visible")
    assert "网络暂时中断" in notice.inner_text()
    shot(page, "offline")
    no_serious_violations(page)
    page.context.set_offline(False)
    notice.wait_for(state="hidden")
    assert page.url.endswith("/kiosk/home")
    kiosk_server.remove_card()


def test_spoken_prompts_play_unless_muted(kiosk_server, page) -> None:
    start(page, kiosk_server, "陈志明")
    prompt = page.locator("body").get_attribute("data-prompt")
    assert prompt and prompt.endswith("/zh/choose.wav")
    audio = requests.get(kiosk_server.base_url + prompt, timeout=5)
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    page.get_by_role("button", name="语音提示").click()
    page.wait_for_url("**/kiosk/home")
    assert page.locator("body").get_attribute("data-prompt") is None
    assert (
        page.get_by_role("button", name="语音提示").get_attribute("aria-pressed")
        == "false"
    )
    kiosk_server.remove_card()


SCREENS = [
    ("home", "/kiosk/home"),
    ("search", "/kiosk/items?q=gl"),
    ("category", "/kiosk/items?category=GF"),
    ("guide", "/kiosk/items/aged-allowance"),
]


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_both_orientations_every_browsing_screen(
    kiosk_server, new_context, elder
) -> None:
    for landscape in (False, True):
        page = new_context(landscape=landscape).new_page()
        start(page, kiosk_server, "陈志明")
        if elder:
            page.get_by_role("button", name="长者模式").click()
            page.wait_for_url("**/kiosk/home")
        for name, path in SCREENS:
            page.goto(kiosk_server.base_url + path)
            orientation = "landscape" if landscape else "portrait"
            shot(page, f"screen-{name}-{orientation}-{'elder' if elder else 'normal'}")
            assert axe_violations(page) == [], (name, orientation)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= page.viewport_size["width"], (name, "scrolls sideways")
            small = page.evaluate("""() => [...document.querySelectorAll(
                    'a, button, label.choice, label.chip')]
                  .filter(e => e.offsetParent !== null)
                  .map(e => e.getBoundingClientRect())
                  .filter(r => r.height < 64)
                  .length""")
            assert small == 0, (name, orientation, "touch targets under 64 px")
        kiosk_server.remove_card()
        page.wait_for_url("**/kiosk/ended")


def test_the_welcome_screen_both_ways(kiosk_server, new_context) -> None:
    kiosk_server.wait_terminal_online()
    for landscape in (False, True):
        page = new_context(landscape=landscape).new_page()
        page.goto(f"{kiosk_server.base_url}/kiosk/")
        orientation = "landscape" if landscape else "portrait"
        shot(page, f"screen-welcome-{orientation}")
        assert axe_violations(page) == []
        kiosk_server.set_fault(reader_fault="read_failed")
        since = kiosk_server.last_event_id()
        kiosk_server.insert_card(PERSON["陈志明"])
        kiosk_server.wait_event("device_state", after=since)  # the failed read
        problem = page.locator("#card-problem")
        problem.wait_for(state="visible")
        assert "证件读取失败" in problem.inner_text()
        shot(page, f"screen-welcome-card-error-{orientation}")
        kiosk_server.errors.clear()
        kiosk_server.remove_card()
        kiosk_server.set_fault(reader_fault=None)


def test_screens_do_not_hold_other_peoples_data(kiosk_server, page) -> None:
    """After a session, nothing of it is left for the next person."""
    start(page, kiosk_server, "陈志明")
    page.goto(kiosk_server.base_url + "/kiosk/items/aged-allowance")
    kiosk_server.remove_card(wait=False)
    page.wait_for_url("**/kiosk/ended")
    assert page.context.cookies() == []  # Clear-Site-Data took them all
    storage = page.evaluate("() => [localStorage.length, sessionStorage.length]")
    assert storage == [0, 0]
    page.go_back()
    page.wait_for_load_state()
    assert "陈*" not in page.inner_text("body")


def test_a_foreigners_card_gets_english_and_can_switch(kiosk_server, page) -> None:
    kiosk_server.wait_terminal_online()
    page.goto(f"{kiosk_server.base_url}/kiosk/")
    kiosk_server.set_fault(
        card={
            "card_type": "foreigner",
            "name": "JOHNSON EMMA",
            "name_en": "JOHNSON EMMA",
            "id_number": "USA440578020101",
            "sex": "F",
            "birth_date": "1978-02-01",
            "valid_from": "2020-01-01",
            "valid_to": "2030-01-01",
            "ethnicity": "",
            "address": "",
            "issuer": "国家移民管理局",
            "nationality": "USA",
            "permit_number": "",
            "issue_count": "",
        }
    )
    page.wait_for_url("**/kiosk/home")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Please choose a service" in page.inner_text("main")
    header = page.inner_text("header")
    chrome = header.replace("中文", "").replace("政", "")  # switch, emblem
    assert re.search(r"[\u4e00-\u9fff]", chrome) is None
    prompt = page.locator("body").get_attribute("data-prompt")
    assert prompt.endswith("/en/choose.wav")
    shot(page, "english-home")
    assert axe_violations(page) == []
    page.get_by_role("button", name="中文").click()
    page.wait_for_url("**/kiosk/home")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "请选择要办理的事项" in page.inner_text("main")
    kiosk_server.remove_card()


def test_log_in_with_the_phone_instead_of_a_card(kiosk_server, page) -> None:
    kiosk_server.wait_terminal_online()
    page.goto(f"{kiosk_server.base_url}/kiosk/")
    qr = page.locator("img.login-qr")
    qr.wait_for()
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
    code = re.search(r"[?&]code=([^&]+)", barcode.text).group(1)
    answer = from_the_phone(kiosk_server, "陈志明", "/kiosk-login", code)
    assert answer.status_code == 200, answer.text
    page.wait_for_url("**/kiosk/home")
    assert "陈*" in page.inner_text("header")
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/kiosk/ended")


def test_a_whole_application_in_landscape_elder_mode(
    kiosk_server, landscape_page
) -> None:
    page = landscape_page
    start(page, kiosk_server, "蔡婵娟")
    page.get_by_role("button", name="长者模式").click()
    page.wait_for_url("**/kiosk/home")
    shot(page, "landscape-elder-02-home")
    choose(page, "高龄老人津贴申领")
    shot(page, "landscape-elder-04-form")
    no_serious_violations(page)
    next_step(page, "materials")
    shot(page, "landscape-elder-05-materials")
    no_serious_violations(page)
    next_step(page, "confirm")
    shot(page, "landscape-elder-06-confirm")
    submit(page)
    assert "未获批准" in page.inner_text("h1")  # she already receives it
    prints_finished(page)
    shot(page, "landscape-elder-07-result")
    no_serious_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920
    kiosk_server.remove_card(wait=False)
    page.wait_for_url("**/kiosk/ended")
