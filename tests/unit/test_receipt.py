"""The thermal-printer ticket: wrapping to the paper, and its ESC/POS bytes.

The ESC/POS stream is read back by a small interpreter of the commands the
driver emits, so the width check is made on what the printer would print.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.printers.escpos_ticket import ticket_bytes
from govcore.certificates.receipt import (
    PAPER_COLUMNS,
    Align,
    Cut,
    QrCode,
    Text,
    Ticket,
    build_ticket,
    display_width,
    wrap_text,
)

ESC, FS, GS = b"\x1b", b"\x1c", b"\x1d"
QR_DATA = "https://zwfw.longhu.gov.cn/q/7QZK3M4XWN2PJ5RB8TYVHC6D"
ITEM = "高龄津贴申领"
LONG_ITEM = "城乡居民基本医疗保险参保登记（含新生儿、在校学生、灵活就业人员参保）"


def make_ticket(width_mm: int = 58, item: str = ITEM) -> Ticket:
    return build_ticket(
        "LH20261128000123",
        item,
        "准予许可，证照已签发",
        [
            ("申请人", "陈*"),
            ("受理时间", "2026-11-28 10:32"),
            "请于2026年12月5日前登录 https://zwfw.longhu.gov.cn/m 补正材料。",
        ],
        QR_DATA,
        width_mm,
    )


def printed_lines(stream: bytes) -> list[tuple[str, int]]:
    """Each printed text line of ``stream`` with its character width factor,
    skipping the commands the driver sends."""
    fixed = {  # command prefix → bytes of parameters after it
        ESC + b"@": 0,
        FS + b"&": 0,
        FS + b".": 0,
        ESC + b"E": 1,
        ESC + b"a": 1,
        ESC + b"!": 1,
        ESC + b"d": 1,
        GS + b"!": 1,
    }
    lines, text, scale, i = [], b"", 1, 0
    while i < len(stream):
        two = stream[i : i + 2]
        if two in fixed:
            if two == GS + b"!":
                scale = (stream[i + 2] >> 4) + 1
            i += 2 + fixed[two]
        elif stream[i : i + 3] == GS + b"(k":
            i += 5 + int.from_bytes(stream[i + 3 : i + 5], "little")
        elif two == GS + b"V":
            i += 3 if stream[i + 2] in (0, 1, 48, 49) else 4
        elif stream[i : i + 1] == b"\n":
            lines.append((text.decode("gb18030"), scale))
            text, i = b"", i + 1
        else:
            assert stream[i] >= 0x20, f"unknown command at {i}: {stream[i:i + 4]!r}"
            text += stream[i : i + 1]
            i += 1
    assert text == b"", "text left without a line feed"
    return lines


@pytest.mark.parametrize("width_mm", sorted(PAPER_COLUMNS))
@pytest.mark.parametrize("item", [ITEM, LONG_ITEM])
def test_escpos_lines_never_exceed_the_paper(width_mm: int, item: str):
    columns = PAPER_COLUMNS[width_mm]
    lines = printed_lines(ticket_bytes(make_ticket(width_mm, item)))
    assert len(lines) > 8
    for text, scale in lines:
        assert display_width(text) * scale <= columns, (text, scale)
    printed = "".join(text.strip() for text, _ in lines)
    assert item in printed  # all of it, wrapped or not
    assert "LH20261128000123" in printed


def test_escpos_stream_has_init_chinese_mode_qr_and_cut():
    stream = ticket_bytes(make_ticket())
    assert stream.startswith(ESC + b"@" + FS + b"&")
    assert ITEM.encode("gb18030") in stream
    assert "准予许可".encode("gb18030") in stream
    store = QR_DATA.encode()
    size = (len(store) + 3).to_bytes(2, "little")
    assert GS + b"(k" + size + b"1P0" + store in stream  # store the QR data
    assert GS + b"(k\x03\x001Q0" in stream  # print the stored QR code
    assert GS + b"V" in stream
    assert stream.index(GS + b"(k") < stream.index(GS + b"V")
    assert stream.endswith(FS + b".")


def test_heading_prints_double_size_and_centred():
    ticket = make_ticket()
    heading = ticket.elements[0]
    assert heading == Text("办件回执", Align.CENTER, bold=True, double=True)
    stream = ticket_bytes(ticket)
    first_line = stream.index("办件回执".encode("gb18030"))
    assert GS + b"!\x11" in stream[:first_line]
    assert ESC + b"a\x01" in stream[:first_line]


def test_ticket_elements_and_preview():
    ticket = make_ticket(80)
    assert ticket.columns == 48
    assert isinstance(ticket.elements[-1], Cut)
    assert QrCode(QR_DATA, 6) in ticket.elements
    preview = ticket.preview()
    assert all(display_width(line) <= 48 for line in preview if "[QR" not in line)
    assert "办件编号：LH20261128000123" in preview


def test_labelled_value_wraps_under_the_value():
    lines = [e.text for e in make_ticket(58, LONG_ITEM).elements if isinstance(e, Text)]
    start = next(i for i, line in enumerate(lines) if line.startswith("办理事项："))
    assert lines[start + 1].startswith(" " * display_width("办理事项："))


def test_closing_punctuation_does_not_start_a_line():
    assert wrap_text("一二三四五六七八九十。", 20) == ["一二三四五六七八九", "十。"]
    assert wrap_text("abc   def", 4) == ["abc", "def"]


def test_ticket_refuses_other_paper_and_overlong_lines():
    with pytest.raises(ValueError):
        make_ticket(70)
    with pytest.raises(ValueError):
        Ticket(58, (Text("宽" * 17),))
    with pytest.raises(ValueError):
        Ticket(58, (Text("宽" * 9, double=True),))


@given(
    text=st.text(
        alphabet=st.sampled_from("龙湖区政务，。、（）abcXYZ019 .:/-"), max_size=150
    ),
    columns=st.sampled_from([16, 32, 48]),
    indent=st.integers(0, 14),
)
def test_wrapping_fits_and_loses_nothing(text: str, columns: int, indent: int):
    lines = wrap_text(text, columns, indent)
    assert all(display_width(line) <= columns for line in lines)
    assert all(line.startswith(" " * indent) for line in lines[1:])
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_control_characters_in_data_never_reach_the_printer():
    ticket = make_ticket(item="高龄\x1b@津贴\x1dV\x00")
    stream = ticket_bytes(ticket)
    assert stream.count(ESC + b"@") == 1
    assert "高龄@津贴V".encode("gb18030") in stream
    raw = ticket_bytes(Ticket(58, (Text("a\x1b!\x30b"),)))
    assert b"a!0b\n" in raw and ESC + b"!0" not in raw
