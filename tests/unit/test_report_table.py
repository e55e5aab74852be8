"""How a report's cells read: shares in per cent, durations in words."""

from datetime import date

from govcore.reports.table import ReportTable, duration_words


def test_durations_read_in_the_unit_people_use() -> None:
    assert duration_words(0.0021) == "2 毫秒"
    assert duration_words(12.46) == "12.5 秒"
    assert duration_words(480) == "8 分钟"
    assert duration_words(3.2 * 3600) == "3.2 小时"
    assert duration_words(2.5 * 86400) == "2.5 天"


def test_cells_read_by_their_column() -> None:
    table = ReportTable(
        "t",
        ("部门", "率", "用时", "日期"),
        [("民政", 0.8274, 0.002, date(2026, 11, 29)), ("x", None, None, None)],
        percent=frozenset({"率"}),
        seconds=frozenset({"用时"}),
    )
    assert table.text_rows() == [
        ["民政", "82.7%", "2 毫秒", "2026-11-29"],
        ["x", "—", "—", "—"],
    ]
