"""Report periods in the team's calendar, and ranges people type."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.periods import (
    MAX_RANGE_DAYS,
    RangeError,
    ReportPeriod,
    days_bounds,
    parse_range,
    period_days,
)

MSK = ZoneInfo("Europe/Moscow")
TODAY = date(2026, 11, 23)  # a Monday
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        (ReportPeriod.TODAY, date(2026, 11, 23), date(2026, 11, 23)),
        (ReportPeriod.YESTERDAY, date(2026, 11, 22), date(2026, 11, 22)),
        (ReportPeriod.WEEK, date(2026, 11, 23), date(2026, 11, 23)),
        (ReportPeriod.MONTH, date(2026, 11, 1), date(2026, 11, 23)),
    ],
)
def test_periods_run_from_their_first_day_to_today(
    period: ReportPeriod, first: date, last: date
) -> None:
    assert period_days(period, NOW, MSK) == (first, last)


def test_the_team_zone_decides_the_day() -> None:
    late_sunday_utc = datetime(2026, 11, 22, 22, 30, tzinfo=UTC)  # Monday 01:30 in Moscow
    assert period_days(ReportPeriod.TODAY, late_sunday_utc, MSK) == (TODAY, TODAY)
    assert period_days(ReportPeriod.WEEK, NOW + timedelta(days=6), MSK)[0] == TODAY
    start, end = days_bounds(date(2026, 11, 1), date(2026, 11, 30), MSK)
    assert start == datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 21, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "01.11–15.11",
        "1.11 - 15.11",
        "01.11.2026 — 15.11.2026",
        "01.11.26-15.11.26",
        "2026-11-01 2026-11-15",
        "2026-11-01 по 2026-11-15",
        "01/11 to 15/11",
    ],
)
def test_ranges_people_type(text: str) -> None:
    assert parse_range(text, TODAY) == (date(2026, 11, 1), date(2026, 11, 15))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("вчера", "format"),
        ("01.11", "format"),
        ("01.11 15.11 20.11", "format"),
        ("с 01.11 как-нибудь 15.11", "format"),
        ("31.02–01.03", "format"),
        ("2026-13-01 2026-12-01", "format"),
        ("15.11–01.11", "reversed"),
        ("2025-11-01 2026-11-15", "too_long"),
    ],
)
def test_bad_ranges_say_why(text: str, reason: str) -> None:
    with pytest.raises(RangeError) as caught:
        parse_range(text, TODAY)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("01.11–30.11", date(2026, 11, 1), date(2026, 11, 30)),  # this month, to come in part
        ("01.12–05.12", date(2025, 12, 1), date(2025, 12, 5)),  # wholly ahead: the last one
        ("20.12–10.01", date(2025, 12, 20), date(2026, 1, 10)),  # over New Year
        ("01.12.2026–05.12.2026", date(2026, 12, 1), date(2026, 12, 5)),  # a year is obeyed
    ],
)
def test_a_range_without_a_year_is_the_latest_that_has_begun(
    text: str, first: date, last: date
) -> None:
    assert parse_range(text, TODAY) == (first, last)


def test_a_year_is_the_longest_range() -> None:
    assert parse_range("2026-01-01 2026-12-31", TODAY) == (date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(RangeError):
        parse_range("2024-01-01 2025-01-01", TODAY)  # 367 days, 2024 is a leap year


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(min_value=0, max_value=MAX_RANGE_DAYS + 5),
)
def test_any_iso_range_parses_back_or_is_too_long(first: date, days: int) -> None:
    last = first + timedelta(days=days)
    text = f"{first.isoformat()} {last.isoformat()}"
    if days < MAX_RANGE_DAYS:
        assert parse_range(text, TODAY) == (first, last)
    else:
        with pytest.raises(RangeError, match="too_long"):
            parse_range(text, TODAY)
