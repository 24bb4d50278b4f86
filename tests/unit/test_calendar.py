"""Working days for plan/fact, counted by hand on the November 2026 calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.calendar import (
    month_bounds,
    remaining_working_days,
    working_days,
    working_days_in_month,
    working_days_passed,
)

MON_FRI = frozenset({1, 2, 3, 4, 5})
MON_SAT = frozenset(range(1, 7))
# November 2026: the 1st is a Sunday, Mondays are 2, 9, 16, 23, 30; the 4th (Unity Day)
# is a Wednesday off. Monday to Friday that is 5 + 4 + 4 + 4 + 4 = 21 days, 20 without the 4th.
UNITY_DAY = frozenset({date(2026, 11, 4)})


def nov(day: int) -> date:
    return date(2026, 11, day)


def test_a_week_holds_its_working_days() -> None:
    assert working_days(nov(2), nov(9), MON_FRI) == 5  # Monday..Sunday
    assert working_days(nov(2), nov(9), MON_SAT) == 6
    assert working_days(nov(7), nov(9), MON_FRI) == 0  # a weekend


def test_the_range_is_half_open() -> None:
    assert working_days(nov(2), nov(3), MON_FRI) == 1  # Monday only
    assert working_days(nov(2), nov(2), MON_FRI) == 0
    assert working_days(nov(9), nov(2), MON_FRI) == 0  # backwards is empty, not negative


def test_a_holiday_is_off_only_when_it_falls_on_a_working_weekday() -> None:
    assert working_days(nov(2), nov(9), MON_FRI, UNITY_DAY) == 4
    saturday_off = frozenset({nov(7)})
    assert working_days(nov(2), nov(9), MON_FRI, saturday_off) == 5
    assert working_days(nov(2), nov(9), MON_SAT, saturday_off) == 5
    # A holiday outside the range changes nothing.
    assert working_days(nov(9), nov(16), MON_FRI, UNITY_DAY) == 5


def test_weekdays_outside_one_to_seven_are_refused() -> None:
    with pytest.raises(ValueError, match=r"1\.\.7"):
        working_days(nov(2), nov(9), frozenset({0, 1}))
    assert working_days(nov(2), nov(30), frozenset()) == 0


@pytest.mark.parametrize(
    ("day", "bounds"),
    [
        (nov(17), (nov(1), date(2026, 12, 1))),
        (nov(1), (nov(1), date(2026, 12, 1))),
        (date(2026, 12, 31), (date(2026, 12, 1), date(2027, 1, 1))),
        (date(2028, 2, 29), (date(2028, 2, 1), date(2028, 3, 1))),
    ],
)
def test_month_bounds_are_the_first_and_the_next_first(
    day: date, bounds: tuple[date, date]
) -> None:
    assert month_bounds(day) == bounds


def test_november_has_twenty_one_weekdays_and_twenty_working_days() -> None:
    assert working_days_in_month(nov(17), MON_FRI) == 21
    assert working_days_in_month(nov(17), MON_FRI, UNITY_DAY) == 20
    # 21 + Saturdays 7, 14, 21, 28.
    assert working_days_in_month(nov(17), MON_SAT) == 25


def test_the_morning_of_wednesday_the_eighteenth() -> None:
    # Passed: 2, 3, 5, 6 (the 4th is off), 9..13, 16, 17 = 4 + 5 + 2 = 11.
    # Left: 18, 19, 20, 23..27, 30 = 3 + 5 + 1 = 9.
    assert working_days_passed(nov(18), MON_FRI, UNITY_DAY, include_today=False) == 11
    assert working_days_passed(nov(18), MON_FRI, UNITY_DAY, include_today=True) == 12
    assert remaining_working_days(nov(18), MON_FRI, UNITY_DAY, include_today=True) == 9
    assert remaining_working_days(nov(18), MON_FRI, UNITY_DAY, include_today=False) == 8


def test_a_day_off_counts_the_same_whether_it_is_included_or_not() -> None:
    # Saturday the 28th: 20 days minus Monday the 30th have passed; the 30th is left.
    for include_today in (False, True):
        passed = working_days_passed(nov(28), MON_FRI, UNITY_DAY, include_today=include_today)
        assert passed == 19
        left = remaining_working_days(nov(28), MON_FRI, UNITY_DAY, include_today=include_today)
        assert left == 1


def test_the_evening_of_the_last_working_day_leaves_no_working_days() -> None:
    assert working_days_passed(nov(30), MON_FRI, UNITY_DAY, include_today=True) == 20
    assert remaining_working_days(nov(30), MON_FRI, UNITY_DAY, include_today=False) == 0
    assert remaining_working_days(nov(30), MON_FRI, UNITY_DAY, include_today=True) == 1


def test_the_first_morning_of_the_month_has_nothing_passed() -> None:
    assert working_days_passed(nov(2), MON_FRI, include_today=False) == 0
    assert working_days_passed(nov(1), MON_FRI, include_today=True) == 0  # a Sunday


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
weekday_sets = st.frozensets(st.integers(min_value=1, max_value=7))
holiday_sets = st.frozensets(days, max_size=20)


@given(st.lists(days, min_size=3, max_size=3), weekday_sets, holiday_sets)
def test_working_days_add_up_over_adjacent_ranges(
    three: list[date], weekdays: frozenset[int], holidays: frozenset[date]
) -> None:
    a, b, c = sorted(three)
    whole = working_days(a, c, weekdays, holidays)
    assert whole == working_days(a, b, weekdays, holidays) + working_days(b, c, weekdays, holidays)


@given(days, st.integers(min_value=0, max_value=60), weekday_sets, holiday_sets)
def test_working_days_match_counting_day_by_day(
    start: date, span: int, weekdays: frozenset[int], holidays: frozenset[date]
) -> None:
    every_day = [start + timedelta(days=k) for k in range(span)]
    expected = sum(d.isoweekday() in weekdays and d not in holidays for d in every_day)
    assert working_days(start, start + timedelta(days=span), weekdays, holidays) == expected


@given(days, weekday_sets, holiday_sets, st.booleans())
def test_passed_and_remaining_split_the_month(
    today: date, weekdays: frozenset[int], holidays: frozenset[date], today_done: bool
) -> None:
    passed = working_days_passed(today, weekdays, holidays, include_today=today_done)
    left = remaining_working_days(today, weekdays, holidays, include_today=not today_done)
    assert passed + left == working_days_in_month(today, weekdays, holidays)
    assert passed >= 0 and left >= 0
