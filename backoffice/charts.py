"""Small charts for the console, drawn on the server as inline SVG.

Each chart is a ``<figure>``: a caption, the SVG (``role="img"``, named by
its ``<title>`` and described by a ``<desc>`` that sums it up), and a
collapsible table with the same numbers for screen readers and for copying.
Series differ by pattern as well as colour, every bar and point carries its
own ``<title>`` (a tooltip), and the SVG scales with its ``viewBox``. All text
is escaped; a chart with nothing to show says 暂无数据.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from markupsafe import Markup

WIDTH = 520  # about the width it is shown at, so text stays near 13px
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 28
# Each at least 4.5:1 against white (WCAG 1.4.11 asks 3:1 of graphics).
COLOURS = ("#1f5fa8", "#b34700", "#2e7d32", "#6a3d9a", "#7a6000", "#5f6368")
# White marks over the colour, so neighbours differ without colour too.
PATTERNS = (
    "",
    '<path d="M0 6L6 0" stroke="#fff" stroke-width="1.5"/>',
    '<circle cx="3" cy="3" r="1.2" fill="#fff"/>',
    '<path d="M0 3H6M3 0V6" stroke="#fff" stroke-width="1.2"/>',
    '<path d="M0 0L6 6" stroke="#fff" stroke-width="1.5"/>',
    '<path d="M0 1.5H6M0 4.5H6" stroke="#fff" stroke-width="1"/>',
)
DASHES = ("", "6 3", "2 3", "8 3 2 3")
EMPTY = "暂无数据"

Series = tuple[str, Sequence[float | None]]  # label, one value per category


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _el(tag: str, attrs: dict[str, object], *children: object) -> Markup:
    """An element; attribute values and text children are escaped."""
    rendered = Markup("").join(
        Markup(' {}="{}"').format(Markup(k), _num(v) if isinstance(v, float) else v)
        for k, v in attrs.items()
        if v is not None
    )
    return Markup("<{0}{1}>{2}</{0}>").format(
        Markup(tag), rendered, Markup("").join(children)
    )


def _svg(chart_id: str, height: float, title: str, desc: str, *body: Markup) -> Markup:
    return _el(
        "svg",
        {
            "class": "chart-svg",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "viewBox": f"0 0 {WIDTH} {_num(height)}",
            "font-family": "inherit",
            "font-size": "13",
        },
        _el("title", {"id": f"{chart_id}-title"}, title),
        _el("desc", {"id": f"{chart_id}-desc"}, desc),
        *body,
    )


def _text(
    x: float, y: float, text: str, anchor: str | None = None, cls: str | None = None
) -> Markup:
    return _el("text", {"x": x, "y": y, "text-anchor": anchor, "class": cls}, text)


def _figure(chart_id: str, title: str, *parts: Markup) -> Markup:
    if not parts:
        parts = (_el("p", {"class": "chart-empty"}, EMPTY),)
    caption = _el("figcaption", {"id": f"{chart_id}-caption"}, title)
    return _el("figure", {"class": "chart", "id": chart_id}, caption, *parts)


def _table(head: Sequence[str], rows: Iterable[Sequence[object]]) -> Markup:
    header = _el("tr", {}, *(_el("th", {"scope": "col"}, h) for h in head))
    body = [
        _el(
            "tr",
            {},
            _el("th", {"scope": "row"}, r[0]),
            *(_el("td", {}, c) for c in r[1:]),
        )
        for r in rows
    ]
    table = _el("table", {"class": "chart-data"}, header, *body)
    return _el("details", {}, _el("summary", {}, "数据表"), table)


def _patterns(chart_id: str, count: int) -> Markup:
    patterns = []
    for n in range(count):
        colour, marks = COLOURS[n % len(COLOURS)], PATTERNS[n % len(PATTERNS)]
        attrs = {"id": f"{chart_id}-p{n}", "width": 6, "height": 6}
        attrs["patternUnits"] = "userSpaceOnUse"
        fill = _el("rect", {"width": 6, "height": 6, "fill": colour})
        patterns.append(_el("pattern", attrs, fill, Markup(marks)))
    return _el("defs", {}, *patterns)


def _legend(chart_id: str, labels: Sequence[str], totals: Sequence[str]) -> Markup:
    items = []
    for n, (label, total) in enumerate(zip(labels, totals)):
        swatch = _el(
            "svg",
            {"class": "swatch", "aria-hidden": "true", "viewBox": "0 0 14 14"},
            _el("rect", {"width": 14, "height": 14, "fill": f"url(#{chart_id}-p{n})"}),
        )
        items.append(_el("li", {}, swatch, f"{label}（{total}）"))
    return _el("ul", {"class": "chart-legend"}, *items)


def _nice_top(value: float) -> tuple[float, float]:
    """An axis maximum ≥ ``value`` and its step (1, 2 or 5 × 10ⁿ, at least 1)."""
    raw = max(value / 4, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return max(math.ceil(value / step), 1) * step, step


def _grid(top: float, step: float, plot_h: float, fmt=_num) -> list[Markup]:
    lines, tick = [], 0.0
    while tick <= top + 1e-9:
        y = TOP + plot_h - tick / top * plot_h
        line = {"class": "grid", "x1": LEFT, "x2": WIDTH - RIGHT, "y1": y, "y2": y}
        lines += [_el("line", line), _text(LEFT - 6, y + 4, fmt(tick), "end")]
        tick += step
    return lines


def _x_labels(categories: Sequence[str], slot: float, plot_h: float) -> list[Markup]:
    every = max(1, math.ceil(len(categories) / 8))
    last = len(categories) - 1
    return [
        _text(LEFT + (i + 0.5) * slot, TOP + plot_h + 18, category, "middle")
        for i, category in enumerate(categories)
        if (last - i) % every == 0
    ]


def stacked_bars(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "件",
    category_name: str = "日期",
) -> Markup:
    """Daily (or any categorical) bars, one stacked segment per series."""
    stacks = [sum(s[1][i] or 0 for s in series) for i in range(len(categories))]
    if not any(stacks):
        return _figure(chart_id, title)
    plot_h = 180.0
    top, step = _nice_top(max(stacks))
    slot = (WIDTH - LEFT - RIGHT) / len(categories)
    bars = []
    for i, category in enumerate(categories):
        base = TOP + plot_h
        for n, (label, values) in enumerate(series):
            value = values[i] or 0
            if not value:
                continue
            h = value / top * plot_h
            base -= h
            attrs = {"x": LEFT + (i + 0.15) * slot, "y": base, "width": slot * 0.7}
            attrs |= {"height": h, "fill": f"url(#{chart_id}-p{n})", "class": "bar"}
            tip = _el("title", {}, f"{category} {label}：{value}{unit}")
            bars.append(_el("rect", attrs | {"data-value": str(value)}, tip))
    totals = [f"{sum(v or 0 for v in s[1])}{unit}" for s in series]
    biggest = max(range(len(stacks)), key=stacks.__getitem__)
    desc = (
        f"{categories[0]}至{categories[-1]}共{sum(stacks)}{unit}："
        + "、".join(f"{s[0]}{t}" for s, t in zip(series, totals))
        + f"。最多的是{categories[biggest]}，{stacks[biggest]}{unit}。"
    )
    svg = _svg(
        chart_id,
        TOP + plot_h + BOTTOM,
        title,
        desc,
        _patterns(chart_id, len(series)),
        *_grid(top, step, plot_h),
        *bars,
        *_x_labels(categories, slot, plot_h),
    )
    rows = [
        (c, *(s[1][i] or 0 for s in series), stacks[i])
        for i, c in enumerate(categories)
    ]
    head = (category_name, *(s[0] for s in series), "合计")
    legend = _legend(chart_id, [s[0] for s in series], totals)
    return _figure(chart_id, title, legend, svg, _table(head, rows))


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _line(
    n: int,
    label: str,
    points: list[tuple[int, float, float, float]],
    categories: Sequence[str],
    *,
    labelled: bool,
) -> list[Markup]:
    """One series: a path broken where a day has no value, a marker per value
    (with its tooltip) and, among several series, the name at its end."""
    path = " ".join(
        f"{'M' if k == 0 or points[k - 1][0] != i - 1 else 'L'}{_num(x)} {_num(y)}"
        for k, (i, x, y, _) in enumerate(points)
    )
    colour = COLOURS[n % len(COLOURS)]
    style = {"fill": "none", "stroke": colour, "stroke-width": 2}
    drawn = [
        _el("path", {"d": path, "stroke-dasharray": DASHES[n % 4] or None} | style)
    ]
    for i, x, y, v in points:
        tip = _el("title", {}, f"{categories[i]} {label}：{_percent(v)}")
        attrs = {"cx": x, "cy": y, "r": 3.5, "fill": colour, "data-value": str(v)}
        drawn.append(_el("circle", attrs, tip))
    if labelled:
        _, x, y, v = points[-1]
        y = y - 8 if y > TOP + 16 else y + 18
        drawn.append(_text(x, y, f"{label} {_percent(v)}", "end", "direct"))
    return drawn


def rate_line(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    extra_columns: Sequence[tuple[str, Sequence[object]]] = (),
    category_name: str = "日期",
) -> Markup:
    """Rates from 0 to 1 drawn as lines on a 0–100% axis; ``None`` leaves a gap."""
    if not any(v is not None for s in series for v in s[1]):
        return _figure(chart_id, title)
    plot_h = 150.0
    slot = (WIDTH - LEFT - RIGHT) / len(categories)
    drawn, summary = [], []
    for n, (label, values) in enumerate(series):
        points = [
            (i, LEFT + (i + 0.5) * slot, TOP + plot_h - v * plot_h, v)
            for i, v in enumerate(values)
            if v is not None
        ]
        if not points:
            continue
        drawn += _line(n, label, points, categories, labelled=len(series) > 1)
        rates = [p[3] for p in points]
        summary.append(
            f"{label}：{len(rates)}个{category_name}有数据，最低{_percent(min(rates))}，"
            f"最高{_percent(max(rates))}，最后为{_percent(rates[-1])}"
        )
    svg = _svg(
        chart_id,
        TOP + plot_h + BOTTOM,
        title,
        "；".join(summary) + "。",
        *_grid(1.0, 0.25, plot_h, fmt=_percent),
        *drawn,
        *_x_labels(categories, slot, plot_h),
    )
    head = (category_name, *(s[0] for s in series), *(c[0] for c in extra_columns))
    rows = [
        (c, *(_percent(s[1][i]) for s in series), *(e[1][i] for e in extra_columns))
        for i, c in enumerate(categories)
    ]
    return _figure(chart_id, title, svg, _table(head, rows))


def histogram(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, int]],
    *,
    unit: str = "件",
    category_name: str = "区间",
) -> Markup:
    """Horizontal bars, one per bucket, each labelled with its count."""
    total = sum(v for _, v in rows)
    if not total:
        return _figure(chart_id, title)
    label_w, row_h, value_w = 120, 26, 64
    scale = (WIDTH - label_w - value_w) / max(v for _, v in rows)
    body = []
    for n, (label, value) in enumerate(rows):
        y = TOP + n * row_h
        tip = _el("title", {}, f"{label}：{value}{unit}")
        attrs = {"x": label_w, "y": y + 3, "width": value * scale, "height": row_h - 8}
        attrs |= {"fill": COLOURS[0], "data-value": str(value)}
        body += [
            _text(label_w - 8, y + 16, label, "end"),
            _el("rect", attrs, tip),
            _text(label_w + value * scale + 6, y + 16, f"{value}{unit}"),
        ]
    desc = f"共{total}{unit}：" + "、".join(f"{k} {v}{unit}" for k, v in rows) + "。"
    svg = _svg(chart_id, TOP * 2 + len(rows) * row_h, title, desc, *body)
    table = _table(
        (category_name, f"数量（{unit}）", "占比"),
        ((k, v, f"{v / total * 100:.0f}%") for k, v in rows),
    )
    return _figure(chart_id, title, svg, table)
