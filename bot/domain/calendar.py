"""Working days for plan/fact: how many a range or a month holds, has used and has left.

Every range is half-open, [start, end), so ranges add up: days in [a, b) + [b, c) = [a, c).
Weekdays are ISO (Monday = 1, Sunday = 7); holidays are dates off even on a working weekday,
workdays dates worked even on a weekday off (a country's moved working Saturday, or a day an
admin adds). DOMAIN.md: "Working days: the team's working weekdays minus public holidays, with
the official moved working days (the country's calendar; Russia by default), plus days an
admin adds or removes. Every per-day plan, forecast and 'days left' uses them."
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError

_ISO_WEEKDAYS = frozenset(range(1, 8))
MON_FRI = frozenset({1, 2, 3, 4, 5})
# Russia's New Year holidays with the weekends around them are the longest run of days off,
# ten or eleven; a team working one weekday still finds its last one within this.
LOOK_BACK = 31


def working_days(
    start: date,
    end: date,
    weekdays: frozenset[int],
    holidays: frozenset[date] = frozenset(),
    workdays: frozenset[date] = frozenset(),
) -> int:
    """Working days in [start, end); 0 when end is not after start. A date in both holidays
    and workdays is a holiday (WorkCalendar keeps them apart)."""
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
    count += sum(
        start <= w < end and w.isoweekday() not in weekdays and w not in holidays for w in workdays
    )
    return count


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """The team's working days: its weekdays, less the country's public holidays, plus its
    moved working days, with the admin's own days over both (`team_calendar` builds it)."""

    weekdays: frozenset[int] = MON_FRI
    holidays: frozenset[date] = frozenset()  # off although a working weekday
    workdays: frozenset[date] = frozenset()  # worked although a weekday off

    @classmethod
    def of(
        cls,
        weekdays: frozenset[int],
        public_off: frozenset[date] = frozenset(),
        public_on: frozenset[date] = frozenset(),
        admin: Mapping[date, bool] | None = None,
    ) -> WorkCalendar:
        """The country's days off and moved working days, then the admin's days (True: a
        working day, False: a day off) over them."""
        admin = admin or {}
        added_on = frozenset(d for d, working in admin.items() if working)
        added_off = frozenset(d for d, working in admin.items() if not working)
        return cls(
            weekdays,
            (public_off - added_on) | added_off,
            (public_on - added_off) | added_on,
        )

    def is_working(self, day: date) -> bool:
        if day in self.holidays:
            return False
        return day in self.workdays or day.isoweekday() in self.weekdays

    def count(self, start: date, end: date) -> int:
        """Working days in [start, end)."""
        return working_days(start, end, self.weekdays, self.holidays, self.workdays)

    def previous(self, day: date) -> date | None:
        """The last working day before `day` (None: none in the month before it)."""
        for back in range(1, LOOK_BACK + 1):
            if self.is_working(day - timedelta(days=back)):
                return day - timedelta(days=back)
        return None


def month_bounds(day: date) -> tuple[date, date]:
    """The first day of the day's month and the first day of the next one (exclusive)."""
    first = day.replace(day=1)
    year, month = divmod(first.month, 12)
    return first, date(first.year + year, month + 1, 1)


def working_days_in_month(
    day: date,
    weekdays: frozenset[int],
    holidays: frozenset[date] = frozenset(),
    workdays: frozenset[date] = frozenset(),
) -> int:
    start, end = month_bounds(day)
    return working_days(start, end, weekdays, holidays, workdays)


def working_days_passed(
    today: date,
    weekdays: frozenset[int],
    holidays: frozenset[date] = frozenset(),
    *,
    include_today: bool,
    workdays: frozenset[date] = frozenset(),
) -> int:
    """Working days of today's month before today, and today too when include_today.

    The morning stand-up counts the fact up to yesterday (include_today=False); an evening
    report that already holds today's sales counts today as passed.
    """
    start, _ = month_bounds(today)
    return working_days(start, _next_or_same(today, include_today), weekdays, holidays, workdays)


def remaining_working_days(
    today: date,
    weekdays: frozenset[int],
    holidays: frozenset[date] = frozenset(),
    *,
    include_today: bool,
    workdays: frozenset[date] = frozenset(),
) -> int:
    """Working days of today's month still to be worked: after today, and today too when
    include_today.

    The flag names what the range holds, so the two halves of the month pair up with
    opposite flags: passed(include_today=x) + remaining(include_today=not x) = the month.
    """
    _, end = month_bounds(today)
    return working_days(_next_or_same(today, not include_today), end, weekdays, holidays, workdays)


def _next_or_same(day: date, step: bool) -> date:
    return day + timedelta(days=1) if step else day


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The instant the team's `day` ends (midnight after it, in its time zone), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)


def working_cutoff(now: datetime, span: timedelta, cal: WorkCalendar, tz: ZoneInfo) -> datetime:
    """The instant from which `span` of working days' time has gone by at `now`: what was due
    before it is overdue longer than `span`. Days off (whole team days, in its zone) do not
    count; a span longer than a year's working time stops at a year back."""
    left, end = span, now
    day = now.astimezone(tz).date()
    for _ in range(366):
        start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
        if cal.is_working(day):
            if end - start >= left:
                return end - left
            left -= end - start
        end, day = start, day - timedelta(days=1)
    return end


class CalendarDayInvalidError(DomainError):
    """Not a date the team's calendar holds (a typo, or outside last year to next year)."""

    key = "calendar.invalid_day"


def calendar_years(today: date) -> range:
    """The years a team calendar holds around today: enough for "yesterday" across New Year,
    an escalation's look back and next year's plans."""
    return range(today.year - 1, today.year + 2)


def parse_calendar_day(text: str, today: date) -> date:
    """`31.12.2026`, `31.12` (this year) or `2026-12-31`, within `calendar_years(today)`."""
    folded = text.strip().rstrip(".")
    try:
        if "-" in folded:
            day = date.fromisoformat(folded)
        else:
            parts = [int(p) for p in folded.split(".")]
            if len(parts) == 2:
                parts.append(today.year)
            if len(parts) != 3:
                raise ValueError(folded)
            d, m, y = parts
            day = date(y + 2000 if y < 100 else y, m, d)
    except ValueError as error:
        raise CalendarDayInvalidError() from error
    if day.year not in calendar_years(today):
        raise CalendarDayInvalidError()
    return day
