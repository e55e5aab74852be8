"""The Content-Security-Policy in Chromium: the kiosk from the welcome screen
to the printed result, the verification page, the console's dashboard and an
error page load and run without a single violation.

Chromium reports a violation twice: a console error naming the directive
("Refused to …", or "Applying inline style violates the following Content
Security Policy directive …") and a ``securitypolicyviolation`` event. The
test listens for both (the listener is an init script, which the policy does
not govern); a deliberate violation, on the first page and on the last,
proves it hears them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from govcore.certificates.models import ResultDocument
from govcore.db import db
from tests.kiosk.harness import KioskServer
from tests.kiosk.test_console_browser import account, log_in
from tests.kiosk.test_kiosk_flows import (
    application_of,
    next_step,
    prints_finished,
    search,
    start,
    submit,
)

LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation({
    page: location.pathname,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""
POLICY_MESSAGE = re.compile(
    r"Content.Security.Policy|Refused to|Permissions.Policy", re.IGNORECASE
)


class PolicyWatch:
    """What the policies refused on a page: violation events and console lines."""

    def __init__(self) -> None:
        self.violations: list[dict[str, Any]] = []
        self.console: list[str] = []

    def on_console(self, message: Any) -> None:
        if message.type in ("error", "warning") and POLICY_MESSAGE.search(message.text):
            self.console.append(f"{message.type}: {message.text}")

    def clear(self) -> None:
        self.violations.clear()
        self.console.clear()

    def assert_clean(self, page: Any, where: str) -> None:
        page.wait_for_timeout(400)  # the events are dispatched asynchronously
        assert not self.violations, f"{where}: {self.violations}"
        assert not self.console, f"{where}: {self.console}"


@pytest.fixture
def watched(
    new_context: Callable[..., Any], js_errors: list[str]
) -> tuple[Any, PolicyWatch]:
    watch = PolicyWatch()
    context = new_context()
    context.expose_binding(
        "reportViolation", lambda source, report: watch.violations.append(report)
    )
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: js_errors.append(f"{page.url}: {error}"))
    yield page, watch
    assert not js_errors, "uncaught JavaScript errors:\n" + "\n".join(js_errors)


def test_no_policy_violation_on_the_kiosk_console_and_verify_pages(
    kiosk_server: KioskServer, watched: tuple[Any, PolicyWatch]
) -> None:
    page, watch = watched
    base = kiosk_server.base_url
    kiosk_server.wait_terminal_online()
    page.goto(f"{base}/kiosk/")

    probe(page, watch)
    page.reload()
    watch.assert_clean(page, "welcome (login QR, prompt, polling)")

    start(page, kiosk_server, "沈德茂")
    watch.assert_clean(page, "home")
    search(page, "gllr", "高龄老人津贴申领")  # the letter keyboard, then the form
    watch.assert_clean(page, "form")
    page.locator("[data-keypad]").first.click()  # the number pad opens
    watch.assert_clean(page, "form with the keypad")
    page.locator("#keypad [data-key='done']").click()
    next_step(page, "materials")
    watch.assert_clean(page, "materials")
    next_step(page, "confirm")
    watch.assert_clean(page, "confirm")
    submit(page)
    prints_finished(page)  # the print watcher's requests and its list
    watch.assert_clean(page, "result")

    with kiosk_server.app.app_context():
        application = application_of(kiosk_server, "沈德茂")
        verify_url = (
            db.session.scalars(
                sa.select(ResultDocument).filter_by(application_id=application.id)
            )
            .first()
            .fields["verify_url"]
        )
    kiosk_server.remove_card(wait=False)
    page.wait_for_url("**/kiosk/ended")
    watch.assert_clean(page, "ended")

    page.goto(f"{base}/verify/{verify_url.rsplit('/', 1)[1]}")
    assert page.locator("[data-status=valid]").is_visible()
    watch.assert_clean(page, "verify page")
    page.goto(f"{base}/verify/{'A' * 43}")
    watch.assert_clean(page, "verify 404 (the error page)")

    secret = account(kiosk_server, "chen.jing", "approver", "lh-mz")
    log_in(page, kiosk_server, "chen.jing", secret)
    page.wait_for_url(re.compile(r".*/admin/$"))
    assert page.locator("svg").count() >= 1  # the dashboard's charts
    watch.assert_clean(page, "console login and dashboard")
    for path in ("reviews", "reports", "supervision", "audit"):
        page.goto(f"{base}/admin/{path}")  # audit: the approver's 403 page
        watch.assert_clean(page, f"console {path}")
    probe(page, watch)  # still listening after all those navigations


def probe(page: Any, watch: PolicyWatch) -> None:
    """The listeners work: an inline style attribute is refused and heard."""
    page.evaluate("""() => document.body.insertAdjacentHTML(
            "beforeend", '<p id="probe" style="color: red">x</p>')""")
    page.wait_for_timeout(400)
    assert [v["directive"] for v in watch.violations] == ["style-src-attr"]
    assert any("style-src" in line for line in watch.console), watch.console
    watch.clear()
