"""Document numbers: ``LHMZ-GLJT-2026-000042`` (department, item, year, sequence).

The department part comes from its code (``lh-mz`` → ``LHMZ``), the item part
from the pinyin initials of its name (高龄津贴 → ``GLJT``, at most 6 letters),
and refusals and receipts carry a marker (``BY`` 不予, ``HZ`` 回执). The sequence
belongs to the whole prefix, so two items whose initials happen to agree share
it and still never repeat a number. The counter is advanced as 办件编号's is
(:func:`govcore.db.next_in_sequence`): concurrent issues never share a number.
"""

from __future__ import annotations

from datetime import date

from govcore.catalog.search import initials
from govcore.certificates.models import DocumentCounter
from govcore.db import next_in_sequence

KIND_MARKERS = {"certificate": "", "refusal": "BY", "receipt": "HZ"}


def number_prefix(department_code: str, item_name: str, kind: str, year: int) -> str:
    department = department_code.replace("-", "").upper()
    item = initials(item_name).upper()[:6] or "SX"
    marker = KIND_MARKERS[kind]
    return "-".join(p for p in (department, item, marker, str(year)) if p)


def next_number(
    department_code: str, item_name: str, kind: str, issued_on: date
) -> str:
    prefix = number_prefix(department_code, item_name, kind, issued_on.year)
    return f"{prefix}-{next_in_sequence(DocumentCounter, 'scope', prefix):06d}"
