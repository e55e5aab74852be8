"""Working days (工作日): weekends, public holidays and 调休.

Time limits for government services are counted in working days ("5个工作日内
办结"). A working day is a Monday to Friday that the State Council's yearly
holiday notice does not give off, or a Saturday or Sunday that the notice makes
a working day (调休上班). The notices come out each November for the next year,
so the calendar is data, not code: one YAML file per year under
``catalog/calendar/``, read by :func:`load_calendar` into an immutable
:class:`WorkCalendar`::

    year: 2026
    source: 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）
    holidays:            # every day off of each holiday period, weekends included
      - {date: 2026-01-01, name: 元旦}
    workdays:            # 调休: Saturdays and Sundays that are working days
      - {date: 2026-01-04, name: 元旦调休}

For a year with no file only weekends are days off, so a deadline computed into
such a year may come out too early; :meth:`WorkCalendar.covers` tells callers
when that can happen, so they can warn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from govcore.errors import ValidationError

DEFAULT_CALENDAR_DIR = Path(__file__).resolve().parent.parent / "catalog" / "calendar"

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5
_WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days.

    Any iterable is accepted for the date sets; they are stored as frozensets.
    Every year a listed date falls in counts as known, besides ``known_years``.

    :param holidays: days off (法定节假日 and the days bridged to them); listing a
        weekend day is harmless.
    :param workdays: Saturdays and Sundays that are working days (调休上班).
    :param known_years: years whose holiday arrangement is loaded, including
        any year without a single holiday or make-up day.
    :raise ValueError: if a date is both a holiday and a make-up workday.
    """

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    known_years: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        holidays = frozenset(self.holidays)
        workdays = frozenset(self.workdays)
        both = holidays & workdays
        if both:
            listed = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"dates both holiday and make-up workday: {listed}")
        years = frozenset(self.known_years) | {d.year for d in holidays | workdays}
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "workdays", workdays)
        object.__setattr__(self, "known_years", years)

    def covers(self, day: date) -> bool:
        """Return whether the holiday arrangement of ``day``'s year is loaded.

        Outside the known years only weekends are days off.
        """
        return day.year in self.known_years

    def is_working_day(self, day: date) -> bool:
        """Return whether ``day`` is a working day.

        Monday to Friday is one unless it is a holiday; Saturday and Sunday only
        when listed as a make-up workday (调休上班).
        """
        if day.weekday() >= _SATURDAY:
            return day in self.workdays
        return day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """Return the date ``days`` working days after ``start``.

        ``start`` itself does not count: a 5-working-day limit on an application
        filed on Monday 2026-01-05 ends on Monday 2026-01-12. With ``days=0``
        the result is ``start`` if it is a working day, else the next one.

        :param start: the day the period starts from (e.g. the day of filing).
        :param days: the number of working days, ``>= 0``.
        :raise ValueError: if ``days`` is negative.
        :raise OverflowError: if the result would be after ``date.max``.
        """
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        day = start
        if days == 0:
            while not self.is_working_day(day):
                day += _ONE_DAY
            return day
        remaining = days
        while remaining:
            day += _ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Return the number of working days ``d`` with ``start < d <= end``.

        So ``working_days_between(d, add_working_days(d, n)) == n`` for ``n >= 1``.
        Returns 0 if ``end <= start``. Runs in time proportional to the number of
        listed dates, not to the length of the span.
        """
        if end <= start:
            return 0
        count = _weekdays_between(start, end)
        count -= sum(
            1 for d in self.holidays if start < d <= end and d.weekday() < _SATURDAY
        )
        count += sum(
            1 for d in self.workdays if start < d <= end and d.weekday() >= _SATURDAY
        )
        return count


def _weekdays_between(start: date, end: date) -> int:
    """Count Mondays to Fridays ``d`` with ``start < d <= end`` (``start < end``)."""
    weeks, rest = divmod((end - start).days, 7)
    first = start.weekday()
    return weeks * 5 + sum(1 for i in range(1, rest + 1) if (first + i) % 7 < 5)


# --- loading the calendar files -------------------------------------------------

_TOP_KEYS = ("year", "source", "holidays", "workdays")
_REQUIRED_KEYS = ("year", "source", "holidays")
_ENTRY_KEYS = ("date", "name")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# libyaml's safe loader is ~10x faster than the pure-Python one; same semantics.
_BaseSafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CalendarLoader(_BaseSafeLoader):
    """The safe loader, except that timestamps stay text.

    ``yaml.safe_load`` turns ``2026-02-30`` into an exception for the whole file
    that does not say where; as text, the bad date is reported with its entry.
    """


def _timestamp_as_text(loader: Any, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))


_CalendarLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


@dataclass(frozen=True)
class _YearFile:
    year: int
    holidays: dict[date, str]
    workdays: dict[date, str]


def load_calendar(directory: Path = DEFAULT_CALENDAR_DIR) -> WorkCalendar:
    """Read every ``*.yaml`` file in ``directory`` into one calendar.

    Each file holds one year: ``year``, ``source`` (the notice it follows),
    ``holidays`` and optionally ``workdays``, each a list of ``{date, name}``.
    An empty folder gives a calendar with no known years.

    :param directory: the calendar folder, by default ``catalog/calendar``.
    :return: the calendar of all the years found.
    :raise ValidationError: on the first problem found, naming the file and the
        entry: the folder is missing, a file is not valid YAML, a key is unknown
        or missing, a date is not a date or lies outside the file's year, a date
        is listed twice or both as holiday and workday, a make-up workday is not
        a Saturday or Sunday, or two files hold the same year.
    """
    if not directory.is_dir():
        raise ValidationError(
            f"{directory}: 节假日日历目录不存在（calendar folder not found）",
            field=str(directory),
            code="invalid_calendar",
        )
    holidays: set[date] = set()
    workdays: set[date] = set()
    years: dict[int, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        year_file = _read_year_file(path)
        if year_file.year in years:
            raise _problem(
                path.name,
                "year",
                f"{year_file.year} 年已在 {years[year_file.year]} 中定义",
                f"year {year_file.year} also defined in {years[year_file.year]}",
            )
        years[year_file.year] = path.name
        holidays.update(year_file.holidays)
        workdays.update(year_file.workdays)
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(years))


def _problem(file: str, where: str | None, zh: str, en: str) -> ValidationError:
    """Build the error for a problem in ``file`` at ``where`` (a key or entry)."""
    location = f"{file}: {where}" if where else file
    return ValidationError(
        f"{location}: {zh}（{en}）",
        field=f"{file}:{where}" if where else file,
        code="invalid_calendar",
    )


def _read_year_file(path: Path) -> _YearFile:
    """Read and check one year's file."""
    doc = _load_yaml(path)
    year = _check_top_level(path.name, doc)
    holidays = _read_entries(path.name, year, "holidays", doc["holidays"])
    workdays = _read_entries(path.name, year, "workdays", doc.get("workdays", []))
    for index, day in enumerate(workdays):
        where = f"workdays[{index}]"
        if day in holidays:
            raise _problem(
                path.name,
                where,
                f"{day} 同时列为放假日和调休上班日",
                "listed both as holiday and workday",
            )
        if day.weekday() < _SATURDAY:
            raise _problem(
                path.name,
                where,
                f"{day} 是{_WEEKDAY_NAMES[day.weekday()]}，调休上班日须为周六或周日",
                "a make-up workday must be a Saturday or Sunday",
            )
    return _YearFile(year, holidays, workdays)


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_CalendarLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _problem(
            path.name, None, "不是有效的 YAML 文件", f"not valid YAML: {exc}"
        ) from exc


def _check_top_level(file: str, doc: Any) -> int:
    """Check the top-level keys of ``doc`` and return its year."""
    if not isinstance(doc, dict):
        raise _problem(file, None, "文件内容须为映射", "top level must be a mapping")
    for key in doc:
        if key not in _TOP_KEYS:
            raise _problem(
                file,
                str(key),
                "未知的顶层键",
                f"unknown top-level key; allowed: {', '.join(_TOP_KEYS)}",
            )
    for key in _REQUIRED_KEYS:
        if key not in doc:
            raise _problem(file, key, "缺少必填项", "missing required key")
    year = doc["year"]
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise _problem(
            file, "year", f"{year!r} 不是有效年份", "year must be an integer"
        )
    source = doc["source"]
    if not isinstance(source, str) or not source.strip():
        raise _problem(
            file, "source", "须注明所依据的通知", "source must name the notice"
        )
    return year


def _read_entries(file: str, year: int, key: str, raw: Any) -> dict[date, str]:
    """Read the list ``key`` of ``{date, name}`` entries, all within ``year``."""
    if not isinstance(raw, list):
        raise _problem(file, key, "须为列表", "must be a list of {date, name}")
    entries: dict[date, str] = {}
    first_index: dict[date, int] = {}
    for index, entry in enumerate(raw):
        where = f"{key}[{index}]"
        day, name = _read_entry(file, where, entry)
        if day.year != year:
            raise _problem(
                file, where, f"{day} 不在 {year} 年内", f"date outside year {year}"
            )
        if day in entries:
            raise _problem(
                file,
                where,
                f"{day} 重复，已见于 {key}[{first_index[day]}]",
                "date listed twice",
            )
        entries[day] = name
        first_index[day] = index
    return entries


def _read_entry(file: str, where: str, entry: Any) -> tuple[date, str]:
    """Check one ``{date, name}`` entry and return its date and name."""
    if not isinstance(entry, dict):
        raise _problem(file, where, "须为映射", "entry must be {date, name}")
    unknown = [str(k) for k in entry if k not in _ENTRY_KEYS]
    if unknown:
        raise _problem(
            file,
            where,
            f"未知的键 {', '.join(unknown)}",
            "unknown key; allowed: date, name",
        )
    if "date" not in entry:
        raise _problem(file, where, "缺少日期", "missing date")
    day = _parse_date(entry["date"])
    if day is None:
        raise _problem(file, where, f"{entry['date']} 不是有效日期", "is not a date")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _problem(file, where, "缺少名称", "name must be a non-empty string")
    return day, name.strip()


def _parse_date(value: Any) -> date | None:
    """Return the date written ``YYYY-MM-DD`` in ``value``, or None."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
