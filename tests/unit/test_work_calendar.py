"""The team calendar: the country's holidays and moved working days (the `holidays` package's
data, no network), the admin's days over them, and what every working-day figure reads
from it; counted by hand on the Russian production calendars of 2025-2027."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.calendar import (
    MON_FRI,
    CalendarDayInvalidError,
    WorkCalendar,
    parse_calendar_day,
    working_cutoff,
)
from bot.domain.company import CompanySettings, changed, show
from bot.domain.errors import SettingInvalidError
from bot.domain.public_days import parse_country, public_days, supported

MSK = ZoneInfo("Europe/Moscow")


def russia(*years: int, admin: dict[date, bool] | None = None) -> WorkCalendar:
    off: frozenset[date] = frozenset()
    on: frozenset[date] = frozenset()
    for year in years:
        year_off, year_on = public_days("RU", year)
        off, on = off | year_off, on | year_on
    return WorkCalendar.of(MON_FRI, off, on, admin)


def month(cal: WorkCalendar, year: int, number: int) -> int:
    first = date(year, number, 1)
    return cal.count(first, (first + timedelta(days=32)).replace(day=1))


def test_november_2026_has_20_working_days_in_russia() -> None:
    # Mondays to Fridays: 2-6, 9-13, 16-20, 23-27, 30 = 21; Wednesday the 4th (Unity Day) off.
    cal = russia(2026)
    assert month(cal, 2026, 11) == 20
    assert not cal.is_working(date(2026, 11, 4))
    # Without a country's calendar the weekdays alone count.
    assert month(WorkCalendar(MON_FRI), 2026, 11) == 21


@pytest.mark.parametrize(
    ("year", "number", "days"),
    [
        (2025, 11, 19),  # Saturday 1st worked, Monday 3rd and Tuesday 4th off
        (2025, 12, 22),  # the 31st off (moved from Sunday 5 January)
        (2026, 1, 15),  # 1-11 January off (the 9th moved from Saturday the 3rd)
        (2026, 3, 21),  # Sunday 8 March observed on Monday the 9th
        (2026, 5, 19),  # 1st, and Victory Day's Saturday observed on Monday the 11th
        (2026, 12, 22),  # the 31st off (moved from Sunday 4 January)
        (2027, 2, 19),  # Saturday 20th worked, Monday 22nd and Tuesday 23rd off
        (2027, 11, 20),  # Thursday 4th and Friday 5th (moved from 2 January) off
    ],
)
def test_the_official_production_calendar_with_its_moved_days(
    year: int, number: int, days: int
) -> None:
    assert month(russia(year), year, number) == days


def test_a_moved_working_saturday_is_a_working_day() -> None:
    cal = russia(2025, 2027)
    assert cal.is_working(date(2025, 11, 1)) and cal.is_working(date(2027, 2, 20))
    assert not cal.is_working(date(2025, 11, 8))  # an ordinary Saturday


def test_the_admins_days_win_over_the_country_calendar() -> None:
    # December 2026: 23 weekdays, the 31st off by decree: 22. The admin adds Wednesday the
    # 30th as a day off (21), makes Saturday the 26th a working day (22) and works the 31st.
    assert month(russia(2026), 2026, 12) == 22
    off_30 = russia(2026, admin={date(2026, 12, 30): False})
    assert month(off_30, 2026, 12) == 21 and not off_30.is_working(date(2026, 12, 30))
    saturday = russia(2026, admin={date(2026, 12, 30): False, date(2026, 12, 26): True})
    assert month(saturday, 2026, 12) == 22 and saturday.is_working(date(2026, 12, 26))
    works_31 = russia(2026, admin={date(2026, 12, 31): True})
    assert month(works_31, 2026, 12) == 23
    # An admin's day off on a moved working Saturday takes it back.
    assert not russia(2025, admin={date(2025, 11, 1): False}).is_working(date(2025, 11, 1))


def test_the_previous_working_day_skips_weekends_and_holidays() -> None:
    cal = russia(2025, 2026)
    assert cal.previous(date(2026, 11, 9)) == date(2026, 11, 6)  # Monday: Friday
    assert cal.previous(date(2026, 11, 5)) == date(2026, 11, 3)  # past Unity Day
    assert cal.previous(date(2026, 1, 12)) == date(2025, 12, 30)  # past New Year and the 31st
    assert cal.previous(date(2026, 11, 24)) == date(2026, 11, 23)


@given(
    st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    st.integers(0, 400),
    st.integers(0, 400),
    st.dictionaries(st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.booleans(), max_size=8),
)
def test_counts_add_up_and_agree_with_day_by_day(
    start: date, first: int, second: int, admin: dict[date, bool]
) -> None:
    cal = russia(2025, 2026, 2027, admin=admin)
    middle, end = start + timedelta(days=first), start + timedelta(days=first + second)
    assert cal.count(start, middle) + cal.count(middle, end) == cal.count(start, end)
    by_day = sum(cal.is_working(start + timedelta(days=k)) for k in range(first))
    assert cal.count(start, middle) == by_day


def test_overdue_time_counts_working_days_only() -> None:
    cal = russia(2026)
    day = timedelta(hours=24)
    # Monday 9 November 10:00: 24 working hours back is Friday 10:00 (the weekend skipped).
    monday = datetime(2026, 11, 9, 10, tzinfo=MSK)
    assert working_cutoff(monday, day, cal, MSK) == datetime(2026, 11, 6, 10, tzinfo=MSK)
    # Thursday the 5th 10:00: Unity Day does not count, so Tuesday 10:00.
    thursday = datetime(2026, 11, 5, 10, tzinfo=MSK)
    assert working_cutoff(thursday, day, cal, MSK) == datetime(2026, 11, 3, 10, tzinfo=MSK)
    # Within a working day it is plain time.
    tuesday = datetime(2026, 11, 24, 15, tzinfo=MSK)
    assert working_cutoff(tuesday, timedelta(hours=3), cal, MSK) == tuesday - timedelta(hours=3)
    # On a Sunday the Sunday does not count either: Friday's end back to Friday 15:00.
    sunday = datetime(2026, 11, 8, 12, tzinfo=MSK)
    got = working_cutoff(sunday, timedelta(hours=9), cal, MSK)
    assert got == datetime(2026, 11, 6, 15, tzinfo=MSK) and got.tzinfo is not None
    assert working_cutoff(monday.astimezone(UTC), day, cal, MSK) == monday - 3 * day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("31.12.2026", date(2026, 12, 31)),
        ("31.12", date(2026, 12, 31)),
        ("1.1.27", date(2027, 1, 1)),
        ("2025-11-01", date(2025, 11, 1)),
        (" 09.03.2026. ", date(2026, 3, 9)),
    ],
)
def test_an_admin_types_a_day(text: str, day: date) -> None:
    assert parse_calendar_day(text, date(2026, 12, 7)) == day


@pytest.mark.parametrize("text", ["", "завтра", "31.02.2026", "32.12", "1.1.2030", "12", "a.b"])
def test_a_day_that_is_no_date_or_out_of_the_calendar_is_refused(text: str) -> None:
    with pytest.raises(CalendarDayInvalidError):
        parse_calendar_day(text, date(2026, 12, 7))


def test_the_country_and_the_escalation_span_are_settings() -> None:
    company = CompanySettings()
    assert company.holiday_country == "RU" and company.escalate_after_hours == 24
    assert changed(company, "holiday_country", " kz ").holiday_country == "KZ"
    assert changed(company, "holiday_country", "off").holiday_country == "off"
    assert public_days("off", 2026) == (frozenset(), frozenset())
    assert parse_country("by") == "BY"
    with pytest.raises(SettingInvalidError):
        changed(company, "holiday_country", "XX")
    assert show(changed(company, "escalate_after_hours", "off"), "escalate_after_hours") == "off"
    assert changed(company, "escalate_after_hours", "48").escalate_after_hours == 48
    for bad in ("-1", "721", "сутки"):
        with pytest.raises(SettingInvalidError):
            changed(company, "escalate_after_hours", bad)


def test_countries_loaded_alone_give_the_packages_own_days() -> None:
    # Ours first, while each module still loads alone; Åland's imports Finland's.
    countries, years = ("RU", "KZ", "BY", "UZ", "DE", "US", "AX", "GBR", "UK"), (2025, 2026, 2027)
    ours = {(country, year): public_days(country, year) for country in countries for year in years}
    for (country, year), days in ours.items():
        calendar = holidays.country_holidays(country, years=year)
        off = frozenset(d for d in calendar if d.year == year)
        worked = frozenset(d for d in calendar.weekend_workdays if d.year == year)
        assert days == (off, worked), country


def test_the_codes_offered_are_the_packages_own() -> None:
    assert supported() == frozenset(holidays.list_supported_countries())
