"""The console's SVG charts (backoffice.charts): well-formed, proportional,
named and described, escaped, and honest when there is nothing to draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from backoffice import charts

SVG = "{http://www.w3.org/2000/svg}"
DAYS = ["11-26", "11-27", "11-28"]


def parse(markup: str) -> ET.Element:
    # The figure is XHTML-compatible markup; the SVG gets its namespace so
    # that ElementTree sees what a browser's parser would.
    return ET.fromstring(str(markup).replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" '))


def svg_of(figure: ET.Element) -> ET.Element:
    """The chart itself (the legend's swatches are small SVGs too)."""
    (svg,) = [e for e in figure.iter(f"{SVG}svg") if e.get("role") == "img"]
    return svg


def bars(figure: ET.Element) -> list[ET.Element]:
    return [r for r in svg_of(figure).iter(f"{SVG}rect") if r.get("data-value")]


def table_rows(figure: ET.Element) -> list[list[str]]:
    table = figure.find("details/table")
    return [["".join(cell.itertext()) for cell in row] for row in table.iter("tr")]


def test_stacked_bars_are_proportional_and_named() -> None:
    figure = parse(
        charts.stacked_bars(
            "c1", "每日办件", DAYS, [("移动端", [2, 0, 6]), ("自助终端", [1, 3, 0])]
        )
    )
    assert figure.tag == "figure" and figure.get("id") == "c1"
    svg = svg_of(figure)
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.get("viewBox").startswith(f"0 0 {charts.WIDTH} ")
    assert svg.find(f"{SVG}title").text == "每日办件"
    desc = svg.find(f"{SVG}desc").text
    assert "共12件" in desc and "移动端8件" in desc and "11-28" in desc
    drawn = bars(figure)
    assert sorted(int(b.get("data-value")) for b in drawn) == [1, 2, 3, 6]
    per_unit = {float(b.get("height")) / int(b.get("data-value")) for b in drawn}
    assert max(per_unit) - min(per_unit) < 0.1
    assert [b.find(f"{SVG}title").text for b in drawn][:1] == ["11-26 移动端：2件"]


def test_stacked_bars_table_and_legend_carry_the_numbers() -> None:
    figure = parse(
        charts.stacked_bars(
            "c1", "t", DAYS, [("移动端", [2, 0, 6]), ("窗口", [1, 3, 0])]
        )
    )
    assert table_rows(figure) == [
        ["日期", "移动端", "窗口", "合计"],
        ["11-26", "2", "1", "3"],
        ["11-27", "0", "3", "3"],
        ["11-28", "6", "0", "6"],
    ]
    assert figure.find("details/summary").text == "数据表"
    legend = ["".join(li.itertext()) for li in figure.iter("li")]
    assert legend == ["移动端（8件）", "窗口（4件）"]
    # Series differ by pattern, not colour alone.
    patterns = list(svg_of(figure).iter(f"{SVG}pattern"))
    assert len(patterns) == 2 and len(patterns[1]) > len(patterns[0])


def test_rate_line_spans_zero_to_a_hundred_percent_with_gaps() -> None:
    figure = parse(
        charts.rate_line(
            "r",
            "秒批率",
            DAYS,
            [("秒批率", [0.5, None, 1.0])],
            extra_columns=[("系统决定", [2, 0, 3])],
        )
    )
    points = [c for c in svg_of(figure).iter(f"{SVG}circle")]
    assert [float(p.get("data-value")) for p in points] == [0.5, 1.0]
    half, full = (float(p.get("cy")) for p in points)
    bottom = half + (half - full)  # 0% lies as far below 50% as 100% above it
    assert bottom > half > full
    (path,) = svg_of(figure).iter(f"{SVG}path")
    assert path.get("d").count("M") == 2  # the day without decisions is a gap
    assert table_rows(figure)[1:] == [
        ["11-26", "50%", "2"],
        ["11-27", "—", "0"],
        ["11-28", "100%", "3"],
    ]
    assert "最低50%" in svg_of(figure).find(f"{SVG}desc").text


def test_histogram_bars_are_proportional_and_labelled() -> None:
    figure = parse(
        charts.histogram("h", "用时", [("1秒以内", 8), ("1–10秒", 2), ("5天以上", 0)])
    )
    drawn = bars(figure)
    widths = {r.get("data-value"): float(r.get("width")) for r in drawn}
    assert widths["8"] == pytest.approx(4 * widths["2"], rel=0.01)
    assert widths["0"] == 0
    texts = [t.text for t in svg_of(figure).iter(f"{SVG}text")]
    assert "1秒以内" in texts and "8件" in texts
    assert table_rows(figure)[1] == ["1秒以内", "8", "80%"]


def test_several_rates_differ_by_dash_and_are_named_at_their_ends() -> None:
    figure = parse(
        charts.rate_line(
            "r", "率", DAYS, [("甲", [0.2, 0.4, 0.6]), ("乙", [None, None, None])]
        )
    )
    svg = svg_of(figure)
    (path,) = svg.iter(f"{SVG}path")  # 乙 has nothing to draw
    assert path.get("d").count("L") == 2
    direct = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "direct"]
    assert direct == ["甲 60%"]
    assert table_rows(figure)[1] == ["11-26", "20%", "—"]


def test_every_label_is_escaped() -> None:
    nasty = 'A<b>&"c"'
    for markup in (
        charts.stacked_bars("x", nasty, [nasty], [(nasty, [1])]),
        charts.rate_line("y", nasty, [nasty], [(nasty, [0.5])]),
        charts.histogram("z", nasty, [(nasty, 1)]),
    ):
        assert "<b>" not in str(markup)
        figure = parse(markup)  # would raise on a stray < or &
        svg = svg_of(figure)
        assert svg.find(f"{SVG}title").text == nasty
        assert nasty in [t.text for t in svg.iter(f"{SVG}text")]
        assert figure.find("figcaption").text == nasty


@pytest.mark.parametrize(
    "markup",
    [
        charts.stacked_bars("e", "空", DAYS, []),
        charts.stacked_bars("e", "空", DAYS, [("移动端", [0, 0, 0])]),
        charts.rate_line("e", "空", DAYS, [("秒批率", [None, None, None])]),
        charts.histogram("e", "空", [("1秒以内", 0)]),
    ],
)
def test_no_data_says_so_instead_of_drawing(markup) -> None:
    figure = parse(markup)
    assert figure.find("figcaption").text == "空"
    assert figure.find("p").text == "暂无数据"
    assert not list(figure.iter(f"{SVG}svg")) and figure.find("details") is None
