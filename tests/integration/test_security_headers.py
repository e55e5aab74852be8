"""Security headers on every kind of response (webapp/security_headers.py),
and templates and scripts that a strict Content-Security-Policy lets run.

The browser's own view (no CSP violation on real pages) is in
tests/kiosk/test_csp_browser.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from govcore import terminals
from govcore.clock import utcnow
from govcore.db import db
from tests.admin.test_console import csrf, log_in
from tests.api.conftest import criminal_record_certificate, dev_login, load_world
from tests.api.test_staff_reviews import make_account
from webapp.security_headers import CONTENT_SECURITY_POLICY

ROOT = Path(__file__).resolve().parents[2]
TERMINAL = "LH-T-HDR"
EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@pytest.fixture
def site(app: Flask) -> Flask:
    """The world, a kiosk terminal for this screen, and a result document."""
    load_world(app)
    app.config["KIOSK_TERMINAL"] = TERMINAL
    with app.app_context():
        terminals.register(
            TERMINAL, name="终端", location="大厅", now=utcnow(), actor="t"
        )
        db.session.commit()
    return app


def pages(site: Flask, client: FlaskClient) -> dict[str, TestResponse]:
    """One response of each kind the server gives, by a name for the report."""
    auth = dev_login(client, "陈志明")
    result = criminal_record_certificate(client, auth)
    listing = client.get(
        f"/api/v1/applications/{result['id']}/documents", headers=auth
    ).json["documents"]
    token = listing[0]["verify_url"].rsplit("/", 1)[1]
    staff = FlaskClient(site)
    log_in(staff, "zhang.wei", make_account(site, "zhang.wei", "approver", "lh-mz"))
    answers = {
        "kiosk welcome": client.get("/kiosk/"),
        "kiosk QR image": client.get("/kiosk/login-qr"),
        "kiosk poll (JSON)": client.get("/kiosk/poll"),
        "kiosk without session (redirect)": client.get("/kiosk/home"),
        "console login": client.get("/admin/login"),
        "console dashboard": staff.get("/admin/"),
        "console post refused": FlaskClient(site).post("/admin/logout"),
        "verify page": client.get(f"/verify/{token}"),
        "verify page 404": client.get("/verify/" + "A" * 43),
        "verify JSON": client.get(f"/api/v1/verify/{token}"),
        "API JSON": client.get("/api/v1/items"),
        "API 401": client.get("/api/v1/me"),
        "API 404": client.get("/api/v1/no-such-thing"),
        "document PDF": client.get(listing[0]["pdf_url"], headers=auth),
        "OpenAPI": client.get("/api/v1/openapi.json"),
        "HTML 404": client.get("/no-such-page"),
        "static CSS": client.get("/static/kiosk/kiosk.css"),
        "static JS": client.get("/static/admin/admin.js"),
        "health": client.get("/healthz"),
    }
    for response in answers.values():
        response.close()  # static files are streamed from an open file
    return answers


def test_every_kind_of_response_has_the_headers(site: Flask, client) -> None:
    answers = pages(site, client)
    assert answers["console dashboard"].status_code == 200
    assert answers["verify page"].status_code == 200
    assert answers["document PDF"].mimetype == "application/pdf"
    for name, response in answers.items():
        for header, value in EXPECTED.items():
            assert response.headers.get(header) == value, (name, header)
        policy = response.headers["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation"):
            assert f"{feature}=()" in policy, (name, feature)
        referrer = "no-referrer" if name.startswith("verify page") else "same-origin"
        assert response.headers["Referrer-Policy"] == referrer, name
        # Plain HTTP: no HSTS (a browser ignores it there anyway).
        assert "Strict-Transport-Security" not in response.headers, name
        # Each header once: no second source adds its own copy.
        for header in (*EXPECTED, "Referrer-Policy", "Permissions-Policy"):
            assert len(response.headers.getlist(header)) == 1, (name, header)


def test_the_policy_allows_nothing_inline_and_no_framing() -> None:
    directives = dict(
        part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";")
    )
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_hsts_only_over_https(app: Flask, client) -> None:
    secure = client.get("/healthz", base_url="https://miaoban.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


def test_a_kiosk_form_posts_over_https_with_the_same_origin_referer(
    site: Flask, client
) -> None:
    """Why the kiosk is ``same-origin`` and not ``no-referrer``: over HTTPS
    Flask-WTF wants a same-origin Referer on every form post, and the browser
    sends one only if the page's policy lets it."""
    https = "https://kiosk.example"
    page = client.get("/kiosk/", base_url=https)
    assert page.headers["Referrer-Policy"] == "same-origin"
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(True))
    form = {"csrf_token": token.group(1), "elder": "1", "next": "/kiosk/"}
    without = client.post("/kiosk/prefs", data=form, base_url=https)
    assert without.status_code == 400  # what no-referrer would have caused
    posted = client.post(
        "/kiosk/prefs",
        data=form,
        base_url=https,
        headers={"Referer": f"{https}/kiosk/"},
    )
    assert posted.status_code == 302, posted.get_data(True)


def test_the_console_login_form_still_needs_its_csrf_token(site, client) -> None:
    assert csrf(client)  # the page renders the token under the policy
    refused = client.post("/admin/login", data={"username": "x"})
    assert refused.status_code == 400


# ------------------------------------------------- what the policy would block

TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
SCRIPTS = sorted((ROOT / "static").rglob("*.js"))
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "on* handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_no_inline_script_or_style(path: Path) -> None:
    text = path.read_text("utf-8")
    found = [name for name, pattern in INLINE.items() if pattern.search(text)]
    assert not found, f"{path.relative_to(ROOT)}: {found}"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_scripts_neither_eval_nor_write_style_attributes(path: Path) -> None:
    text = path.read_text("utf-8")
    for pattern in (
        r"\beval\(",
        r"new Function\(",
        r"setAttribute\(\s*['\"]style",
        r"\.innerHTML\s*=",
        r"set(?:Timeout|Interval)\(\s*['\"]",
    ):
        assert not re.search(pattern, text), f"{path.name}: {pattern}"
