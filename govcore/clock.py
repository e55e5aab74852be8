"""Time helpers. Timestamps are aware UTC; calendar dates are the district's.

Eligibility ("年满80周岁", "today") is judged on the date in China, so a use
case that needs "today" derives it from ``now`` with :func:`local_date`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

DISTRICT_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def local_date(now: datetime) -> date:
    """Return the calendar date in the district at the instant ``now``."""
    return now.astimezone(DISTRICT_TZ).date()


def day_start(day: date) -> datetime:
    """The instant the district's ``day`` begins (its end: the next day's start)."""
    return datetime.combine(day, time(), tzinfo=DISTRICT_TZ)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The district's ``day`` as a half-open interval of instants."""
    return day_start(day), day_start(day + timedelta(days=1))
