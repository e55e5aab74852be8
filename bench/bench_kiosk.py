"""The kiosk's machine time, in Chromium against the live standalone server
with its in-process agent and simulated devices.

For each approvable persona, a transaction with no human pauses: the card
goes on the simulated reader, the page follows it to the home screen, then
guide → form → materials → confirm → submit → result, until the A4 printer
accepted the certificate (its print command reported done). Reported: the
whole transaction, card → home screen, submit → print accepted, and every
screen change as the browser's Navigation Timing saw it (request start to
response end, and to DOMContentLoaded).

Run: ``.venv/bin/python bench/bench_kiosk.py`` (needs /usr/bin/chromium).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT, report  # noqa: F401  (sys.path)
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from govcore.clock import utcnow
from govcore.datahub.sandbox.personas import PERSONAS
from govcore.terminals import TerminalCommand
from govcore.db import db
from webapp import create_app
from webapp.devices import sandbox_card, sim_control
from webapp.standalone import prepare, start_agent

APPROVED = ["陈伯", "林秀娥", "翁丽娥", "沈德茂", "金丝雀"]
PERSON = {p.name: p.id_number for p in PERSONAS}
NAVIGATION = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  return [n.responseEnd - n.requestStart, n.domContentLoadedEventEnd - n.startTime];
}"""


def live_server() -> tuple[str, object, threading.Event, Path]:
    root = Path(tempfile.mkdtemp(prefix="miaopi-bench-kiosk-"))
    os.environ["MIAOPI_INSTANCE_PATH"] = str(root / "instance")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'kiosk.sqlite3'}",
            "ROLE": "standalone",
            "DEVICES": "simulated",
            "KIOSK_TERMINAL": "LH-DEMO-001",
            "UPLOAD_DIR": str(root / "uploads"),
            "DOCUMENT_KEY_DIR": str(root / "keys"),
            "DOCUMENT_PKI_DIR": str(root / "pki"),
        }
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    with app.app_context():
        prepare()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    stop = start_agent(app, f"{base}/api/v1/terminal")
    return base, app, stop, root


def a4_done(app) -> int:
    with app.app_context():
        return (
            db.session.query(TerminalCommand)
            .filter_by(kind="print_document", status="done")
            .count()
        )


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    base, app, stop, root = live_server()
    whole, to_home, to_print, served, loaded = [], [], [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox"],
        )
        page = browser.new_page(viewport={"width": 1080, "height": 1920})
        page.set_default_timeout(10000)

        def screen() -> None:
            response, ready = page.evaluate(NAVIGATION)
            served.append(response)
            loaded.append(ready)

        for name in APPROVED:
            page.goto(f"{base}/kiosk/")
            time.sleep(1.5)  # the agent's first heartbeat, a settled page
            printed = a4_done(app)
            with app.app_context():
                card = sandbox_card(
                    app.extensions["miaopi.datasource"], PERSON[name], utcnow()
                )
            start = time.perf_counter()
            sim_control(app).update(card=card)
            page.wait_for_url("**/kiosk/home")
            to_home.append((time.perf_counter() - start) * 1000)
            screen()
            page.get_by_role("link", name=re.compile("高龄老人津贴申领")).first.click()
            page.wait_for_url("**/items/aged-allowance")
            screen()
            page.get_by_role("button", name="开始办理").click()
            page.wait_for_url("**/form")
            screen()
            page.get_by_role("button", name="下一步").click()
            page.wait_for_url("**/materials")
            screen()
            page.get_by_role("link", name="下一步").click()
            page.wait_for_url("**/confirm")
            screen()
            submitted = time.perf_counter()
            page.get_by_role("button", name="确认提交").click()
            page.wait_for_url("**/result")
            screen()
            while a4_done(app) == printed:
                time.sleep(0.01)
            end = time.perf_counter()
            to_print.append((end - submitted) * 1000)
            whole.append((end - start) * 1000)
            sim_control(app).update(card=None)
            page.wait_for_url("**/kiosk/ended")
            screen()
        browser.close()
    stop.set()
    print(f"kiosk transactions: {len(whole)} (aged allowance, approved, printed)")
    report("card on reader -> print accepted (whole)", whole)
    report("card on reader -> home screen shown", to_home)
    report("submit tap -> A4 print accepted", to_print)
    report("screen change: request -> response end", served)
    report("screen change: request -> DOMContentLoaded", loaded)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
