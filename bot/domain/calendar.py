"""Working days for plan/fact: how many a range or a month holds, has used and has left.

Every range is half-open, [start, end), so ranges add up: days in [a, b) + [b, c) = [a, c).
Weekdays are ISO (Monday = 1, Sunday = 7); holidays are dates off even on a working weekday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_ISO_WEEKDAYS = frozenset(range(1, 8))


def working_days(
    start: date, end: date, weekdays: frozenset[int], holidays: frozenset[date] = frozenset()
) -> int:
    """Working days in [start, end); 0 when end is not after start."""
    if not weekdays <= _ISO_WEEKDAYS:
        raise ValueError(f"weekdays are ISO numbers 1..7, got {sorted(weekdays)}")
    if end <= start:
        return 0
    # Whole weeks hold every weekday once; only the few days left over need looking at,
    # so a year costs the same as a week.
    weeks, rest = divmod((end - start).days, 7)
    count = weeks * len(weekdays)
    count += sum((start + timedelta(days=k)).isoweekday() in weekdays for k in range(rest))
    count -= sum(start <= h < end and h.isoweekday() in weekdays for h in holidays)
    return count


def month_bounds(day: date) -> tuple[date, date]:
    """The first day of the day's month and the first day of the next one (exclusive)."""
    first = day.replace(day=1)
    year, month = divmod(first.month, 12)
    return first, date(first.year + year, month + 1, 1)


def working_days_in_month(
    day: date, weekdays: frozenset[int], holidays: frozenset[date] = frozenset()
) -> int:
    start, end = month_bounds(day)
    return working_days(start, end, weekdays, holidays)


def working_days_passed(
    today: date,
    weekdays: frozenset[int],
    holidays: frozenset[date] = frozenset(),
    *,
    include_today: bool,
) -> int:
    """Working days of today's month before today, and today too when include_today.

    The morning stand-up counts the fact up to yesterday (include_today=False); an evening
    report that already holds today's sales counts today as passed.
    """
    start, _ = month_bounds(today)
    return working_days(start, _next_or_same(today, include_today), weekdays, holidays)


def remaining_working_days(
    today: date,
    weekdays: frozenset[int],
    holidays: frozenset[date] = frozenset(),
    *,
    include_today: bool,
) -> int:
    """Working days of today's month still to be worked: after today, and today too when
    include_today.

    The flag names what the range holds, so the two halves of the month pair up with
    opposite flags: passed(include_today=x) + remaining(include_today=not x) = the month.
    """
    _, end = month_bounds(today)
    return working_days(_next_or_same(today, not include_today), end, weekdays, holidays)


def _next_or_same(day: date, step: bool) -> date:
    return day + timedelta(days=1) if step else day


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The instant the team's `day` ends (midnight after it, in its time zone), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
