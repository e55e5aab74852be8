"""报表: the four reports the bureau owes, previewed as a table and downloaded
as xlsx or PDF (each download written in the audit log)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from flask import Response, abort, g, render_template, request

from backoffice import bp
from backoffice.access import permission
from govcore import reports
from govcore.certificates.fonts import FontMissingError
from govcore.clock import DISTRICT_TZ, local_date
from govcore.errors import ValidationError

FORMATS = {"xlsx": reports.XLSX_MIMETYPE, "pdf": reports.PDF_MIMETYPE}


@dataclass(frozen=True)
class Kind:
    label: str
    fields: tuple[tuple[str, str, str], ...]  # (name, label, input type)
    defaults: Callable[[date], dict[str, str]]
    build: Callable[[Mapping[str, str], date], reports.ReportTable]


def _day(params: Mapping[str, str], name: str, label: str) -> date:
    try:
        return date.fromisoformat(params[name].strip())
    except ValueError:
        raise ValidationError(
            f"{label}格式不正确，请按“年-月-日”填写，如 2026-01-01", field=name
        ) from None


def _number(params: Mapping[str, str], name: str, label: str, kind: type) -> Any:
    try:
        return kind(params[name].strip())
    except ValueError:
        raise ValidationError(f"{label}须为数字", field=name) from None


def _last_quarter(today: date) -> dict[str, str]:
    quarter = (today.month - 1) // 3  # the one before the current, 0: last year's Q4
    year = today.year if quarter else today.year - 1
    return {"year": str(year), "quarter": str(quarter or 4)}


def _year_to_date(today: date) -> dict[str, str]:
    return {"since": date(today.year, 1, 1).isoformat(), "until": today.isoformat()}


KINDS: dict[str, Kind] = {
    "annual-list": Kind(
        "秒批秒报事项清单",
        (("on", "截至日期", "date"),),
        lambda today: {"on": today.isoformat()},
        lambda p, today: reports.build_annual_list(on=_day(p, "on", "截至日期")),
    ),
    "adjustments": Kind(
        "动态调整情况表",
        (("since", "开始日期", "date"), ("until", "结束日期", "date")),
        _year_to_date,
        lambda p, today: reports.build_adjustments(
            since=_day(p, "since", "开始日期"), until=_day(p, "until", "结束日期")
        ),
    ),
    "quarterly": Kind(
        "季度报告",
        (("year", "年份", "number"), ("quarter", "季度（1-4）", "number")),
        _last_quarter,
        lambda p, today: reports.build_quarterly(
            year=_number(p, "year", "年份", int),
            quarter=_number(p, "quarter", "季度", int),
            today=today,
        ),
    ),
    "self-check": Kind(
        "自查清理情况表",
        (
            ("since", "开始日期", "date"),
            ("until", "结束日期", "date"),
            ("threshold", "秒批率阈值（0-1）", "text"),
        ),
        lambda today: {**_year_to_date(today), "threshold": "0.8"},
        lambda p, today: reports.build_self_check(
            since=_day(p, "since", "开始日期"),
            until=_day(p, "until", "结束日期"),
            threshold=_number(p, "threshold", "秒批率阈值", float),
        ),
    ),
}


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _params(kind: Kind, today: date) -> dict[str, str]:
    """The report's parameters: each as given in the query, else its default."""
    defaults = kind.defaults(today)
    return {name: request.args.get(name) or defaults[name] for name in defaults}


@bp.get("/reports", endpoint="reports")
@permission("reports.read")
def reports_index() -> Any:
    """报表: the four reports, each with its parameters."""
    today = local_date(g.now)
    forms = {name: kind.defaults(today) for name, kind in KINDS.items()}
    return render_template("admin/reports/index.html", kinds=KINDS, forms=forms)


@bp.get("/reports/<kind>")
@permission("reports.read")
def report_preview(kind: str) -> Any:
    """One report as an HTML table, with its parameters and downloads."""
    report = _kind(kind)
    params = _params(report, local_date(g.now))
    try:
        table = report.build(params, local_date(g.now))
    except ValidationError as error:
        return _invalid(kind, params, error)
    return render_template(
        "admin/reports/preview.html",
        kind=kind,
        report=report,
        params=params,
        table=table,
        error=None,
        generated=g.now.astimezone(DISTRICT_TZ),
    )


@bp.get("/reports/<kind>.xlsx", defaults={"fmt": "xlsx"})
@bp.get("/reports/<kind>.pdf", defaults={"fmt": "pdf"})
@permission("reports.read")
def report_download(kind: str, fmt: str) -> Any:
    """A report as an xlsx or PDF attachment; the download is audited."""
    report = _kind(kind)
    params = _params(report, local_date(g.now))
    try:
        table = report.build(params, local_date(g.now))
        writer = reports.to_xlsx if fmt == "xlsx" else reports.to_pdf
        content = writer(table, generated_at=g.now)
    except ValidationError as error:
        return _invalid(kind, params, error)
    except FontMissingError as error:
        return _invalid(kind, params, error, status=503)
    reports.record_export(kind, fmt, params, actor=f"staff:{g.staff.id}", now=g.now)
    return Response(
        content,
        mimetype=FORMATS[fmt],
        headers={"Content-Disposition": _disposition(kind, report, params, fmt)},
    )


def _invalid(
    kind: str, params: dict[str, str], error: Exception, status: int = 400
) -> tuple[str, int]:
    """The report's page with the parameters as typed and what is wrong."""
    message = getattr(error, "message", str(error))
    return (
        render_template(
            "admin/reports/preview.html",
            kind=kind,
            report=KINDS[kind],
            params=params,
            table=None,
            error=message,
            generated=None,
        ),
        status,
    )


def _disposition(kind: str, report: Kind, params: dict[str, str], fmt: str) -> str:
    """An attachment named in ASCII, and in Chinese for browsers that read
    ``filename*`` (RFC 6266)."""
    if kind == "quarterly":
        stamp = f"{params['year']}Q{params['quarter']}"
    else:
        stamp = "_".join(v for k, v in params.items() if k != "threshold")
    stamp = re.sub(r"[^0-9A-Za-z._-]", "", stamp)
    ascii_name = f"{kind}-{stamp}.{fmt}"
    chinese = f"{report.label}-{stamp}.{fmt}"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(chinese)}"
