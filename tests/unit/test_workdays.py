"""Working-day calendar: the shipped 2025/2026 arrangements, the loader, properties."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from govcore.errors import ValidationError
from govcore.workdays import DEFAULT_CALENDAR_DIR, WorkCalendar, load_calendar

ONE_DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return load_calendar(DEFAULT_CALENDAR_DIR)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


# --- the shipped calendar ------------------------------------------------------


def test_default_directory_is_catalog_calendar() -> None:
    root = Path(__file__).resolve().parents[2]
    assert DEFAULT_CALENDAR_DIR == root / "catalog" / "calendar"


def test_shipped_calendar_loads_2025_and_2026(cal: WorkCalendar) -> None:
    assert cal.known_years == {2025, 2026}
    assert isinstance(cal.holidays, frozenset)
    assert isinstance(cal.workdays, frozenset)
    assert len([d for d in cal.holidays if d.year == 2025]) == 28
    assert len([d for d in cal.holidays if d.year == 2026]) == 33
    assert sorted(d for d in cal.workdays if d.year == 2025) == [
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
    ]
    assert sorted(d for d in cal.workdays if d.year == 2026) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


@pytest.mark.parametrize(
    ("year", "notice"),
    [(2025, "国办发明电〔2024〕12号"), (2026, "国办发明电〔2025〕7号")],
)
def test_shipped_files_name_their_notice(year: int, notice: str) -> None:
    path = DEFAULT_CALENDAR_DIR / f"{year}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#") and notice in text.splitlines()[1]
    doc = yaml.safe_load(text)
    assert doc["year"] == year
    assert notice in doc["source"]


def test_spring_festival_2026_is_nine_days_off(cal: WorkCalendar) -> None:
    for day in days(date(2026, 2, 15), date(2026, 2, 23)):
        assert not cal.is_working_day(day), day
    assert cal.is_working_day(date(2026, 2, 24))


def test_make_up_weekend_days_are_working_days(cal: WorkCalendar) -> None:
    assert cal.is_working_day(date(2026, 2, 14))  # Saturday, 春节调休
    assert cal.is_working_day(date(2026, 2, 28))  # Saturday, 春节调休
    assert cal.is_working_day(date(2026, 1, 4))  # Sunday, 元旦调休
    assert cal.is_working_day(date(2025, 9, 28))  # Sunday, 国庆节调休
    assert not cal.is_working_day(date(2026, 3, 7))  # an ordinary Saturday
    assert not cal.is_working_day(date(2026, 3, 8))  # an ordinary Sunday


def test_ordinary_weekdays_and_single_holidays(cal: WorkCalendar) -> None:
    assert cal.is_working_day(date(2026, 3, 9))  # Monday
    assert not cal.is_working_day(date(2026, 4, 6))  # 清明节, Monday
    assert not cal.is_working_day(date(2026, 6, 19))  # 端午节, Friday
    assert not cal.is_working_day(date(2026, 9, 25))  # 中秋节, Friday
    assert not cal.is_working_day(date(2025, 1, 1))  # 元旦, Wednesday
    assert cal.is_working_day(date(2025, 1, 2))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Wed before 国庆 2026: 10/1-7 off, 10/8 Thu, 10/9 Fri, 10/10 Sat 调休,
        # 10/12 Mon, 10/13 Tue.
        (date(2026, 9, 30), 5, date(2026, 10, 13)),
        # 国庆、中秋 2025: 10/1-8 off, 10/9, 10/10, 10/11 Sat 调休, 10/13, 10/14.
        (date(2025, 9, 30), 5, date(2025, 10, 14)),
        # Fri before 春节 2026: 2/14 Sat 调休, then 2/24 .. 2/27, then 2/28 Sat 调休.
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
        (date(2026, 2, 13), 5, date(2026, 2, 27)),
        (date(2026, 2, 13), 6, date(2026, 2, 28)),
        # An ordinary week: Monday + 5 is next Monday.
        (date(2026, 3, 9), 5, date(2026, 3, 16)),
        # Filed on a holiday: counting starts after it.
        (date(2026, 10, 3), 1, date(2026, 10, 8)),
        # days=0: the day itself if working, else the next working day.
        (date(2026, 3, 9), 0, date(2026, 3, 9)),
        (date(2026, 10, 1), 0, date(2026, 10, 8)),
        (date(2026, 2, 14), 0, date(2026, 2, 14)),
        # Across the year end, into 2026's 元旦 and its Sunday 调休.
        (date(2025, 12, 31), 1, date(2026, 1, 4)),
    ],
)
def test_add_working_days_on_the_shipped_calendar(
    cal: WorkCalendar, start: date, n: int, expected: date
) -> None:
    assert cal.add_working_days(start, n) == expected
    if n:
        assert cal.working_days_between(start, expected) == n


def test_negative_days_are_rejected(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(date(2026, 3, 9), -1)


def test_working_days_in_a_whole_year(cal: WorkCalendar) -> None:
    # 261 weekdays in each year, minus weekday holidays, plus the 调休 days.
    assert cal.working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 248
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 248


def test_working_days_between_is_zero_for_empty_or_reversed_spans(
    cal: WorkCalendar,
) -> None:
    assert cal.working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
    assert cal.working_days_between(date(2026, 3, 16), date(2026, 3, 9)) == 0
    assert cal.working_days_between(date(2026, 3, 9), date(2026, 3, 10)) == 1


def test_covers_only_loaded_years(cal: WorkCalendar) -> None:
    assert cal.covers(date(2025, 6, 1))
    assert cal.covers(date(2026, 12, 31))
    assert not cal.covers(date(2027, 1, 1))
    assert not cal.covers(date(2024, 12, 31))
    # Outside the known years only weekends are days off.
    assert cal.is_working_day(date(2027, 1, 1))  # a Friday
    assert not cal.is_working_day(date(2027, 1, 2))  # a Saturday


# --- WorkCalendar itself -------------------------------------------------------


def test_calendar_is_immutable_and_normalises_to_frozensets() -> None:
    c = WorkCalendar({date(2026, 1, 1)}, [date(2026, 1, 4)], {2027})
    assert c.holidays == frozenset({date(2026, 1, 1)})
    assert isinstance(c.workdays, frozenset)
    assert c.known_years == {2026, 2027}
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.holidays = frozenset()  # type: ignore[misc]
    assert c == WorkCalendar(
        frozenset({date(2026, 1, 1)}), frozenset({date(2026, 1, 4)}), frozenset({2027})
    )


def test_empty_calendar_knows_no_year_and_keeps_weekends() -> None:
    c = WorkCalendar()
    assert c.known_years == frozenset()
    assert not c.covers(date(2026, 1, 1))
    assert c.add_working_days(date(2026, 1, 2), 1) == date(2026, 1, 5)


def test_calendar_rejects_a_day_both_off_and_working() -> None:
    with pytest.raises(ValueError, match="2026-01-04"):
        WorkCalendar({date(2026, 1, 4)}, {date(2026, 1, 4)})


# --- the loader ----------------------------------------------------------------

GOOD = """\
year: 2026
source: 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）
holidays:
  - {date: 2026-01-01, name: 元旦}
  - {date: 2026-01-02, name: 元旦}
  - {date: 2026-01-03, name: 元旦}
  - {date: 2026-02-16, name: 春节}
workdays:
  - {date: 2026-01-04, name: 元旦调休}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loader_reads_a_good_file(tmp_path: Path) -> None:
    write(tmp_path, "2026.yaml", GOOD)
    write(tmp_path, "notes.txt", "not a calendar")
    c = load_calendar(tmp_path)
    assert c.known_years == {2026}
    assert c.holidays == {date(2026, 1, d) for d in (1, 2, 3)} | {date(2026, 2, 16)}
    assert c.workdays == {date(2026, 1, 4)}


def test_loader_accepts_quoted_dates_and_no_workdays(tmp_path: Path) -> None:
    write(
        tmp_path,
        "2027.yaml",
        "year: 2027\nsource: test\nholidays:\n"
        "  - {date: '2027-01-01', name: 元旦}\n",
    )
    c = load_calendar(tmp_path)
    assert c.holidays == {date(2027, 1, 1)}
    assert c.workdays == frozenset()


def test_loader_on_an_empty_folder_knows_no_year(tmp_path: Path) -> None:
    assert load_calendar(tmp_path) == WorkCalendar()


def test_loader_rejects_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="calendar folder not found"):
        load_calendar(tmp_path / "nope")


@pytest.mark.parametrize(
    ("old", "new", "field", "fragments"),
    [
        (
            "2026-02-16, name: 春节",
            "2026-02-30, name: 春节",
            "2026.yaml:holidays[3]",
            ["2026.yaml: holidays[3]: 2026-02-30", "不是有效日期", "is not a date"],
        ),
        (
            "2026-02-16, name: 春节",
            "2026-2-16, name: 春节",
            "2026.yaml:holidays[3]",
            ["2026.yaml: holidays[3]: 2026-2-16", "is not a date"],
        ),
        (
            "2026-02-16, name: 春节",
            "2026-02-16 10:00:00, name: 春节",
            "2026.yaml:holidays[3]",
            ["2026.yaml: holidays[3]: 2026-02-16 10:00:00", "is not a date"],
        ),
        (
            "{date: 2026-01-01, name: 元旦}",
            "{date: 2025-12-31, name: 元旦}",
            "2026.yaml:holidays[0]",
            ["2026.yaml: holidays[0]: 2025-12-31", "不在 2026 年内", "outside year"],
        ),
        (
            "2026-01-04, name: 元旦调休",
            "2026-01-03, name: 元旦调休",
            "2026.yaml:workdays[0]",
            ["2026.yaml: workdays[0]: 2026-01-03", "listed both as holiday and"],
        ),
        (
            "2026-01-04, name: 元旦调休",
            "2026-01-05, name: 元旦调休",
            "2026.yaml:workdays[0]",
            ["2026.yaml: workdays[0]: 2026-01-05 是周一", "Saturday or Sunday"],
        ),
        (
            "2026-02-16, name: 春节",
            "2026-01-02, name: 春节",
            "2026.yaml:holidays[3]",
            ["2026.yaml: holidays[3]: 2026-01-02 重复", "holidays[1]", "twice"],
        ),
        (
            "workdays:",
            "workday:",
            "2026.yaml:workday",
            ["2026.yaml: workday: 未知的顶层键", "unknown top-level key"],
        ),
        (
            "year: 2026\n",
            "",
            "2026.yaml:year",
            ["2026.yaml: year: 缺少必填项", "missing required key"],
        ),
        (
            "source: 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）",
            "source: ''",
            "2026.yaml:source",
            ["2026.yaml: source:", "must name the notice"],
        ),
        (
            "year: 2026",
            "year: twenty",
            "2026.yaml:year",
            ["2026.yaml: year: 'twenty'", "year must be an integer"],
        ),
        (
            "{date: 2026-01-01, name: 元旦}",
            "{date: 2026-01-01, name: 元旦, kind: 法定}",
            "2026.yaml:holidays[0]",
            ["2026.yaml: holidays[0]: 未知的键 kind", "unknown key"],
        ),
        (
            "{date: 2026-01-01, name: 元旦}",
            "{name: 元旦}",
            "2026.yaml:holidays[0]",
            ["2026.yaml: holidays[0]: 缺少日期", "missing date"],
        ),
        (
            "{date: 2026-01-01, name: 元旦}",
            "{date: 2026-01-01}",
            "2026.yaml:holidays[0]",
            ["2026.yaml: holidays[0]: 缺少名称", "name must be"],
        ),
        (
            "  - {date: 2026-01-01, name: 元旦}",
            "  - 2026-01-01",
            "2026.yaml:holidays[0]",
            ["2026.yaml: holidays[0]: 须为映射", "entry must be"],
        ),
    ],
)
def test_loader_names_file_and_entry(
    tmp_path: Path, old: str, new: str, field: str, fragments: list[str]
) -> None:
    assert old in GOOD
    write(tmp_path, "2026.yaml", GOOD.replace(old, new, 1))
    with pytest.raises(ValidationError) as caught:
        load_calendar(tmp_path)
    for fragment in fragments:
        assert fragment in caught.value.message
    assert caught.value.field == field
    assert caught.value.code == "invalid_calendar"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("year: [2026\n", ["2026.yaml: 不是有效的 YAML 文件", "not valid YAML"]),
        ("- 2026\n", ["2026.yaml: 文件内容须为映射", "must be a mapping"]),
        ("", ["2026.yaml: 文件内容须为映射"]),
        (
            "year: 2026\nsource: x\nholidays: {date: 2026-01-01}\n",
            ["2026.yaml: holidays: 须为列表", "must be a list"],
        ),
    ],
)
def test_loader_rejects_malformed_files(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    write(tmp_path, "2026.yaml", text)
    with pytest.raises(ValidationError) as caught:
        load_calendar(tmp_path)
    for fragment in fragments:
        assert fragment in caught.value.message


def test_loader_rejects_the_same_year_in_two_files(tmp_path: Path) -> None:
    write(tmp_path, "2026.yaml", GOOD)
    write(tmp_path, "2026-copy.yaml", GOOD)
    with pytest.raises(ValidationError) as caught:
        load_calendar(tmp_path)
    message = caught.value.message
    assert message.startswith("2026.yaml: year: 2026 年已在 2026-copy.yaml 中定义")
    assert "also defined in 2026-copy.yaml" in message
    assert caught.value.field == "2026.yaml:year"


# --- properties ----------------------------------------------------------------

LOW, HIGH = date(2024, 6, 1), date(2027, 6, 30)
some_dates = st.dates(min_value=LOW, max_value=HIGH)
weekend_dates = some_dates.filter(lambda d: d.weekday() >= 5)


@st.composite
def calendars(draw: st.DrawFn) -> WorkCalendar:
    holidays = draw(st.frozensets(some_dates, max_size=60))
    workdays = draw(st.frozensets(weekend_dates, max_size=15)) - holidays
    years = draw(st.frozensets(st.integers(2024, 2027)))
    return WorkCalendar(holidays, workdays, years)


any_calendar = st.one_of(st.just(load_calendar(DEFAULT_CALENDAR_DIR)), calendars())
counts = st.integers(min_value=0, max_value=400)


@given(any_calendar, some_dates, st.integers(min_value=1, max_value=400))
def test_adding_n_working_days_lands_n_working_days_later(
    c: WorkCalendar, start: date, n: int
) -> None:
    end = c.add_working_days(start, n)
    assert end > start
    assert c.is_working_day(end)
    assert c.working_days_between(start, end) == n


@given(any_calendar, some_dates, counts)
def test_adding_is_monotonic_in_n(c: WorkCalendar, start: date, n: int) -> None:
    now, then = c.add_working_days(start, n), c.add_working_days(start, n + 1)
    # Strictly so, except that 0 and 1 meet when start is not a working day.
    assert now < then or (n == 0 and now == then and not c.is_working_day(start))


@given(any_calendar, some_dates)
def test_zero_days_gives_the_first_working_day_on_or_after_start(
    c: WorkCalendar, start: date
) -> None:
    first = c.add_working_days(start, 0)
    assert first >= start
    assert c.is_working_day(first)
    assert not any(c.is_working_day(d) for d in days(start, first - ONE_DAY))


@given(any_calendar, some_dates, st.integers(1, 200), counts)
def test_adding_composes(c: WorkCalendar, start: date, m: int, n: int) -> None:
    assert c.add_working_days(c.add_working_days(start, m), n) == (
        c.add_working_days(start, m + n)
    )


@given(any_calendar, some_dates, some_dates)
def test_working_days_between_counts_day_by_day(
    c: WorkCalendar, start: date, end: date
) -> None:
    expected = sum(1 for d in days(start + ONE_DAY, end) if c.is_working_day(d))
    assert c.working_days_between(start, end) == expected


@given(calendars(), some_dates)
def test_working_day_rule(c: WorkCalendar, day: date) -> None:
    if day in c.workdays:
        assert c.is_working_day(day)
    elif day in c.holidays or day.weekday() >= 5:
        assert not c.is_working_day(day)
    else:
        assert c.is_working_day(day)
    assert c.working_days_between(day - ONE_DAY, day) == int(c.is_working_day(day))
