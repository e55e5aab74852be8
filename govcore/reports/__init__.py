"""Reports and statistics for the bureau (清单, 动态调整情况表, quarterly
report, self-check) and the console's dashboard.

Each report is built by one ``build_*`` function as a :class:`ReportTable`;
:func:`to_xlsx` and :func:`to_pdf` turn a table into the file to hand in.
"""

from govcore.reports.adjustments import build_adjustments
from govcore.reports.annual_list import build_annual_list
from govcore.reports.export import (
    PDF_MIMETYPE,
    XLSX_MIMETYPE,
    record_export,
    to_pdf,
    to_xlsx,
)
from govcore.reports.quarterly import build_quarterly, quarter_bounds
from govcore.reports.self_check import DEFAULT_THRESHOLD, build_self_check
from govcore.reports.statistics import Overview, overview
from govcore.reports.table import ReportTable

__all__ = [
    "DEFAULT_THRESHOLD",
    "Overview",
    "PDF_MIMETYPE",
    "ReportTable",
    "XLSX_MIMETYPE",
    "build_adjustments",
    "build_annual_list",
    "build_quarterly",
    "build_self_check",
    "overview",
    "quarter_bounds",
    "record_export",
    "to_pdf",
    "to_xlsx",
]
