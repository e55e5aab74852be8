"""A report as a small table of plain values, the shape every exporter reads.

The bureau's reports (清单, 动态调整情况表, quarterly report, self-check) are
each built by one function that returns a :class:`ReportTable`; the console
shows it as HTML and :mod:`govcore.reports.export` writes it as xlsx or PDF.
Cells hold plain values only: ``str``, ``int``, ``float``, ``date`` or
``None`` (shown as "—"); a column named in ``percent`` holds shares from 0 to 1,
one named in ``seconds`` durations in seconds (read as 2 毫秒, 3.5 小时 …).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Union

Cell = Union[str, int, float, date, None]
EMPTY = "—"


def duration_words(seconds: float) -> str:
    """A duration as people say it: 2 毫秒, 12.5 秒, 8 分钟, 3.2 小时, 2.5 天."""
    for unit, size, digits in (
        ("天", 86400, 1),
        ("小时", 3600, 1),
        ("分钟", 60, 0),
        ("秒", 1, 1),
    ):
        if seconds >= size:
            return f"{seconds / size:.{digits}f} {unit}"
    return f"{seconds * 1000:.0f} 毫秒"


@dataclass(frozen=True)
class ReportTable:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    subtitle: str = ""  # the parameters in words, e.g. "统计期间：…"
    notes: tuple[str, ...] = ()
    percent: frozenset[str] = field(default_factory=frozenset)
    seconds: frozenset[str] = field(default_factory=frozenset)

    def column(self, name: str) -> list[Cell]:
        """The values of the column headed ``name``, row by row."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def text(self, index: int, value: Cell) -> str:
        """A cell as people read it: dates ISO, shares in per cent, "—" for none."""
        if value is None or value == "":
            return EMPTY
        if self.columns[index] in self.percent and isinstance(value, (int, float)):
            return f"{value * 100:.1f}%"
        if self.columns[index] in self.seconds and isinstance(value, (int, float)):
            return duration_words(value)
        if isinstance(value, float):
            return f"{value:.2f}"
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def text_rows(self) -> list[list[str]]:
        """Every row as the text of its cells."""
        return [[self.text(i, v) for i, v in enumerate(row)] for row in self.rows]
