"""A report as a small table of plain values, the shape every exporter reads.

The bureau's reports (清单, 动态调整情况表, quarterly report, self-check) are
each built by one function that returns a :class:`ReportTable`; the console
shows it as HTML and :mod:`govcore.reports.export` writes it as xlsx or PDF.
Cells hold plain values only: ``str``, ``int``, ``float``, ``date`` or
``None`` (shown as "—"); a column named in ``percent`` holds shares from 0 to 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Union

Cell = Union[str, int, float, date, None]
EMPTY = "—"


@dataclass(frozen=True)
class ReportTable:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    subtitle: str = ""  # the parameters in words, e.g. "统计期间：…"
    notes: tuple[str, ...] = ()
    percent: frozenset[str] = field(default_factory=frozenset)

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
        if isinstance(value, float):
            return f"{value:.2f}"
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def text_rows(self) -> list[list[str]]:
        """Every row as the text of its cells."""
        return [[self.text(i, v) for i, v in enumerate(row)] for row in self.rows]
