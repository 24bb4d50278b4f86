"""Report periods in the team's calendar: today, yesterday, this week, this month, or a
range a person typed ("01.11–15.11", "2026-11-01 2026-11-15"), as UTC half-open bounds."""

from __future__ import annotations

import enum
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_RANGE_DAYS = 366
NEW_YEAR_SPAN_DAYS = 92  # "20.12–10.01" spans New Year; "15.11–01.10" is a slip, not a year

_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?")
_GLUE = re.compile(r"[\s\-–—:,]*(?:по|to|till|until)?[\s\-–—:,]*", re.IGNORECASE)


class ReportPeriod(enum.StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    WEEK = "week"
    MONTH = "month"
    DAYS_90 = "d90"  # the last 90 days, today included: the funnel opens on it


LAST_DAYS = 90


class RangeError(ValueError):
    """Why a typed range is no range: `reason` is an i18n key suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of the team-calendar day, in UTC."""
    # If a zone skips midnight, fold=0 lands on the first instant the day actually has.
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def days_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in the team's zone, as UTC."""
    return day_start(first, tz), day_start(last + timedelta(days=1), tz)


def period_days(period: ReportPeriod, now: datetime, tz: ZoneInfo) -> tuple[date, date]:
    """The first and the last day (inclusive) of the period that holds `now`.

    The week and the month run from their first day to today: a report shows what has
    happened so far.
    """
    today = now.astimezone(tz).date()
    if period is ReportPeriod.TODAY:
        return today, today
    if period is ReportPeriod.YESTERDAY:
        yesterday = today - timedelta(days=1)
        return yesterday, yesterday
    if period is ReportPeriod.WEEK:
        return today - timedelta(days=today.weekday()), today
    if period is ReportPeriod.DAYS_90:
        return today - timedelta(days=LAST_DAYS - 1), today
    return today.replace(day=1), today


def parse_range(text: str, today: date) -> tuple[date, date]:
    """Two dates, first and last inclusive; dates without a year are the latest such range
    that has begun by today (a report looks back), in today's year when it has.

    RangeError("format") when the text is not two dates, "reversed" when the end comes
    first, "too_long" for more than a year.
    """
    found = list(_DATE.finditer(text.strip()))
    rest = _DATE.sub(" ", text.strip())
    if len(found) != 2 or not _GLUE.fullmatch(rest):
        raise RangeError("format")
    first, last = (_date(m.group(), today) for m in found)
    if not any(_has_year(m.group()) for m in found):
        first, last = _latest_begun(first, last, today)
    if last < first:
        raise RangeError("reversed")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise RangeError("too_long")
    return first, last


def _has_year(token: str) -> bool:
    return "-" in token or len(re.split(r"[./]", token)) == 3


def _latest_begun(first: date, last: date, today: date) -> tuple[date, date]:
    """Dates typed without a year: a range over New Year ("20.12–10.01") starts the year
    before, and a range that has not begun yet is last year's: a report looks back."""
    if last < first and first.month > last.month:
        earlier = _year_back(first)
        if (last - earlier).days <= NEW_YEAR_SPAN_DAYS:
            first = earlier
    if first > today:
        first, last = _year_back(first), _year_back(last)
    return first, last


def _year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _date(token: str, today: date) -> date:
    try:
        if "-" in token:
            year, month, day = (int(p) for p in token.split("-"))
        else:
            parts = [int(p) for p in re.split(r"[./]", token)]
            day, month = parts[0], parts[1]
            year = parts[2] if len(parts) == 3 else today.year
            year = year + 2000 if year < 100 else year
        return date(year, month, day)
    except ValueError as exc:
        raise RangeError("format") from exc
