"""Rendering result documents to PDF: real files checked with real tools.

poppler-utils (``pdffonts``, ``pdftotext``, ``pdftoppm``) read the PDF and
zxing-cpp decodes the QR code from the rasterised page. A missing tool or font
skips these tests on a developer's machine and fails them in CI.
"""

from __future__ import annotations

import importlib
import re
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from govcore.certificates.document import (
    DocumentContent,
    DocumentKind,
    Field,
    NoteSection,
    chinese_date,
)
from govcore.certificates.fonts import CJK_FONT_PATH, FontMissingError, cjk_font
from govcore.certificates.pdf import render_pdf

from tests.components import require, require_tool, unavailable

FULL_ID = "440507194401150010"
MASKED_ID = "4405**********0010"
DEPARTMENT = "汕头市龙湖区政务服务数据管理局"
VERIFY_URL = "https://zwfw.longhu.gov.cn/verify/7QZK3M4XWN2PJ5RB8TYVHC6D"


def require_module(name: str, what: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        unavailable(f"{what} is not available")


@pytest.fixture(autouse=True)
def _font() -> None:
    require(CJK_FONT_PATH.is_file(), f"{CJK_FONT_PATH} (fonts-wqy-zenhei)")


def make_content(**changes) -> DocumentContent:
    content = DocumentContent(
        kind=DocumentKind.CERTIFICATE,
        title="居住证明",
        department_name=DEPARTMENT,
        number="LH-JZZM-2026-000123",
        issued_on=date(2026, 11, 28),
        holder=(("姓名", "陈*"), ("公民身份号码", MASKED_ID)),
        fields=(
            ("居住地址", "广东省汕头市龙湖区长平路街道金霞社区金砂东路128号3幢502房"),
            ("居住起始日期", "2019年5月1日"),
        ),
        valid_until=date(2027, 5, 27),
        verify_url=VERIFY_URL,
        notes=(NoteSection("说明", ("本证明仅用于办理子女入学等事项。",)),),
        footer="本文件由汕头市龙湖区秒批秒报系统生成。",
        seal_caption="政务服务专用章",
    )
    return replace(content, **changes)


def run(*command: str) -> str:
    return subprocess.run(
        command, check=True, capture_output=True, text=True, timeout=60
    ).stdout


@pytest.fixture
def pdf_file(tmp_path: Path) -> Path:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(render_pdf(make_content()))
    return path


def test_same_content_renders_to_identical_bytes():
    first = render_pdf(make_content())
    assert first.startswith(b"%PDF-")
    assert render_pdf(make_content()) == first
    assert render_pdf(make_content(number="LH-JZZM-2026-000124")) != first


def test_pdf_dates_are_the_issue_date_not_the_clock():
    pdf = render_pdf(make_content())
    assert b"(D:20261128000000+08'00')" in pdf


def test_only_font_is_the_embedded_wenquanyi_subset(pdf_file: Path):
    listing = run(
        require_tool("pdffonts", "poppler-utils"), str(pdf_file)
    ).splitlines()[2:]
    assert listing, "no font listed"
    for line in listing:
        # name type encoding emb sub uni object generation
        name, *_, emb, sub, uni, _obj, _gen = line.split()
        assert "WenQuanYiZenHei" in name, line
        assert (emb, sub, uni) == ("yes", "yes", "yes"), line


def test_text_shows_title_department_and_masked_id_only(pdf_file: Path):
    text = run(
        require_tool("pdftotext", "poppler-utils"), "-enc", "UTF-8", str(pdf_file), "-"
    )
    assert "居住证明" in text
    assert DEPARTMENT in text
    assert MASKED_ID in text
    assert "LH-JZZM-2026-000123" in text
    assert chinese_date(date(2026, 11, 28)) in text
    assert "2026年11月28日至2027年5月27日" in text
    assert FULL_ID not in text
    assert not re.search(r"\d{17}[\dX]", text)


def test_qr_code_decodes_to_the_verify_url(pdf_file: Path, tmp_path: Path):
    zxingcpp = require_module("zxingcpp", "zxing-cpp (the dev extra)")
    from PIL import Image

    stem = tmp_path / "page"
    pdftoppm = require_tool("pdftoppm", "poppler-utils")
    run(pdftoppm, "-r", "150", "-png", "-singlefile", str(pdf_file), str(stem))
    with Image.open(f"{stem}.png") as page:
        results = zxingcpp.read_barcodes(page)
    assert [r.text for r in results] == [VERIFY_URL]


def test_seal_and_qr_are_vector_graphics():
    pdf = render_pdf(make_content())
    assert b"/XObject" not in pdf and b"/Subtype /Image" not in pdf
    assert b"/BM /Multiply" in pdf  # the seal is multiplied onto the text


@pytest.mark.parametrize("with_notes", [True, False])
def test_long_content_flows_onto_more_pages_and_keeps_every_value(
    tmp_path: Path, with_notes: bool
):
    long_value = "龙湖区" * 60 + "末尾标记"
    fields = tuple(Field(f"字段{i}", f"值{i}") for i in range(30))
    content = make_content(fields=(*fields, Field("备注", long_value)))
    if not with_notes:
        content = replace(content, notes=())
    path = tmp_path / "long.pdf"
    path.write_bytes(render_pdf(content))
    text = run(
        require_tool("pdftotext", "poppler-utils"), "-enc", "UTF-8", str(path), "-"
    )
    pages = text.rstrip("\f").split("\f")
    assert len(pages) >= 2
    assert "字段0" in pages[0]  # the table starts under the title
    assert "末尾标记" in text
    assert "字段29" in text
    assert DEPARTMENT in pages[-1]
    assert "2026年11月28日" in pages[-1]


@pytest.mark.parametrize(
    ("kind", "title", "label"),
    [
        (DocumentKind.REFUSAL, "不予行政许可决定书", "文号"),
        (DocumentKind.RECEIPT, "补正材料通知书", "编号"),
    ],
)
def test_other_kinds_render(kind: DocumentKind, title: str, label: str, tmp_path):
    notes = (
        NoteSection("不予许可的理由", ("申请人年龄未满80周岁。",)),
        NoteSection(
            "救济途径",
            ("如不服本决定，可以在六十日内申请行政复议，或者在六个月内提起行政诉讼。",),
        ),
    )
    content = make_content(kind=kind, title=title, valid_until=None, notes=notes)
    path = tmp_path / "doc.pdf"
    path.write_bytes(render_pdf(content))
    text = run(
        require_tool("pdftotext", "poppler-utils"), "-enc", "UTF-8", str(path), "-"
    )
    assert title in text
    assert f"{label}：LH-JZZM-2026-000123" in text
    assert "行政复议" in text
    assert "有效期限" not in text


def test_missing_font_error_names_the_path_and_the_package(tmp_path: Path):
    missing = tmp_path / "no-such-font.ttc"
    with pytest.raises(FontMissingError) as caught:
        cjk_font(missing)
    assert str(missing) in str(caught.value)
    assert "fonts-wqy-zenhei" in str(caught.value)


def test_content_accepts_pairs_and_checks_itself():
    content = make_content()
    assert content.holder[1] == Field("公民身份号码", MASKED_ID)
    assert content.validity == "2026年11月28日至2027年5月27日"
    assert make_content(validity_text="长期有效").validity == "长期有效"
    assert make_content(valid_until=None).validity == ""
    assert content.fingerprint() == make_content().fingerprint()
    with pytest.raises(ValueError, match="title"):
        make_content(title=" ")
    with pytest.raises(ValueError, match="valid_until"):
        make_content(valid_until=date(2026, 1, 1))
    with pytest.raises(ValueError):
        make_content(kind="licence")
