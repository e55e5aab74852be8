"""The kiosk's English (Flask-Babel, translations/en): a complete catalogue
whose placeholders match, every marked string of the kiosk in it, and a
screen that really speaks English when the session chose it.

The msgids are the Chinese texts; docs/kiosk.md, "英文界面 · English", says
how to add one (``make translations``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

from govcore import terminals
from govcore.clock import utcnow
from govcore.db import db
from tests.conftest import world_app

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd%]")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
TERMINAL = "LH-T-001"


def english() -> Catalog:
    with PO.open("rb") as f:
        return read_po(f, locale="en")


def messages(catalog: Catalog) -> Iterator:
    return (m for m in catalog if m.id)


# ------------------------------------------------------------ the catalogue


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    catalog = english()
    assert not catalog.fuzzy, "the .po header is marked fuzzy"
    untranslated = [m.id for m in messages(catalog) if not m.string]
    fuzzy = [m.id for m in messages(catalog) if m.fuzzy]
    assert not untranslated, f"translate these in {PO}: {untranslated}"
    assert not fuzzy, f"check these and drop their '#, fuzzy' line: {fuzzy}"
    assert len(list(messages(catalog))) > 150


def test_every_translation_keeps_the_placeholders() -> None:
    wrong = {
        m.id: m.string
        for m in messages(english())
        if sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))
    }
    assert not wrong
    problems = [(m.id, errors) for m, errors in english().check() if errors]
    assert not problems  # Babel's own checks (python-format)


def test_no_translation_is_left_in_chinese() -> None:
    chinese = [m.id for m in messages(english()) if CJK.search(m.string)]
    # Only the search hint keeps a Chinese example (高龄津贴 → GLJT).
    assert chinese == ["搜索事项（输入拼音首字母，如“高龄津贴”输入 GLJT）"]


def test_the_compiled_catalogue_is_the_current_one(compiled: None) -> None:
    with MO.open("rb") as f:
        compiled_strings = {m.id: m.string for m in read_mo(f) if m.id}
    assert compiled_strings == {
        m.id: m.string for m in messages(english())
    }, f"{MO} is out of date: run make setup"


# ------------------------------------------------------------ completeness


def test_every_marked_string_of_the_kiosk_is_in_the_catalogue(tmp_path) -> None:
    """Extract again (babel.cfg: kiosk_app, templates/kiosk, the N_ list) and
    compare: a new _('…') without its English fails here."""
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg")]
        + ["-k", "_", "-k", "N_", "-o", str(pot), str(ROOT)]
    )
    with pot.open("rb") as f:
        extracted = {m.id for m in read_po(f) if m.id}
    assert len(extracted) > 150
    missing = extracted - {m.id for m in messages(english())}
    assert not missing, f"run make translations, then translate: {sorted(missing)}"


def test_the_messages_passed_as_variables_are_listed() -> None:
    """``_(END_MESSAGES[…])`` and the like: extraction cannot see them, so
    kiosk_app/dynamic_messages.py lists them; here they must all be."""
    from govcore.applications import STATUS_LABELS
    from govcore.ratings import BAD_REASONS, GOOD_REASONS
    from kiosk_app.present import OUTCOMES
    from kiosk_app.welcome import END_MESSAGES, PROBLEM_MESSAGES

    dynamic = {
        *END_MESSAGES.values(),
        *PROBLEM_MESSAGES.values(),
        *(title for _, title, _ in OUTCOMES.values()),
        *STATUS_LABELS.values(),
        *GOOD_REASONS,
        *BAD_REASONS,
    }
    missing = dynamic - {m.id for m in messages(english())}
    assert not missing, f"add to kiosk_app/dynamic_messages.py: {sorted(missing)}"


def test_the_listed_core_messages_still_exist() -> None:
    """A message reworded in the core would silently fall back to Chinese:
    each text of kiosk_app/dynamic_messages.py must still be in the code."""
    listed = ROOT / "kiosk_app" / "dynamic_messages.py"
    written: set[str] = set()
    for path in [*(ROOT / "govcore").rglob("*.py"), *(ROOT / "kiosk_app").glob("*.py")]:
        if path != listed:
            written.update(_strings(path))
    for path in (ROOT / "catalog").rglob("*.yaml"):  # the catalogue's names
        written.update(_yaml_strings(yaml.safe_load(path.read_text("utf-8"))))
    marked = {
        node.args[0].value
        for node in ast.walk(ast.parse(listed.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "N_"
    }
    assert len(marked) > 50
    assert not marked - written, "reworded in the code: update dynamic_messages.py"


def _yaml_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _yaml_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _yaml_strings(item)


def _strings(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


# ------------------------------------------------------------ the screen


@pytest.fixture(scope="session")
def compiled() -> None:
    """The .mo Flask-Babel reads (make setup compiles it; tests run by hand
    may come first): compiled here when missing or older than the .po."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        CommandLineInterface().run(
            ["pybabel", "-q", "compile", "-i", str(PO), "-o", str(MO)]
        )
    assert MO.exists(), f"{MO} is missing: run make setup"


@pytest.fixture
def kiosk(compiled: None) -> Iterator[Flask]:
    with world_app("sqlite://", world=False, KIOSK_TERMINAL=TERMINAL) as app:
        with app.app_context():
            terminals.register(
                TERMINAL, name="测试终端", location="金霞街道", now=utcnow(), actor="t"
            )
            db.session.commit()
        yield app


class VisibleText(HTMLParser):
    """The text and labels a person sees or hears, except what is marked as
    Chinese (``lang="zh-CN"``: the language switch) or hidden (the emblem)."""

    LABELS = ("aria-label", "title", "placeholder", "alt")
    VOID = {"meta", "link", "input", "br", "img", "rect", "path"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []  # per open element: is it skipped?
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        skipped = bool(
            (self.stack and self.stack[-1])
            or (attributes.get("lang") or "").startswith("zh")
            or attributes.get("aria-hidden") == "true"
        )
        if not skipped:
            self.chunks += [attributes[a] or "" for a in self.LABELS if a in attributes]
        if tag not in self.VOID:
            self.stack.append(skipped)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.chunks.append(data)


def visible(page: str) -> str:
    parser = VisibleText()
    parser.feed(page)
    return " ".join(" ".join(parser.chunks).split())


def chrome(page: str) -> str:
    """The header and the footer of a kiosk page."""
    parts = re.findall(r"<header\b.*?</header>|<footer\b.*?</footer>", page, re.S)
    assert len(parts) == 2
    return "".join(parts)


def test_a_session_in_english_shows_the_welcome_in_english(kiosk: Flask) -> None:
    client = kiosk.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = client.get("/kiosk/").get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "Please place your ID card on the card reader" in page
    assert "Longhu District · Self-Service Kiosk" in chrome(page)
    assert "Need help?" in chrome(page)
    assert re.search(r'lang="zh-CN">\s*中文\s*</button>', page)  # the way back
    assert not CJK.findall(visible(chrome(page)))
    assert not CJK.findall(visible(page)), visible(page)


def test_without_a_language_the_welcome_is_in_chinese(kiosk: Flask) -> None:
    page = kiosk.test_client().get("/kiosk/").get_data(as_text=True)
    assert '<html lang="zh-CN"' in page
    assert "请将身份证放在读卡区" in page and "需要帮助" in chrome(page)
    assert "Please place your ID card" not in page
    assert "English" in chrome(page)
