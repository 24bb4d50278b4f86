"""Plan rules: months as numbers, which months may be planned, typed counts, audit lines."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.ids import UserId
from bot.domain.plans import (
    MAX_COUNT,
    MAX_REVENUE,
    MONTHS_AHEAD,
    MONTHS_BACK,
    CountError,
    Plan,
    add_months,
    describe,
    month_from_index,
    month_index,
    next_month,
    parse_count,
    plannable,
    previous_month,
)

NOV = date(2026, 11, 1)
MONTHS = st.builds(date, st.integers(1900, 2200), st.integers(1, 12), st.just(1))


@given(month=MONTHS, n=st.integers(-500, 500))
def test_adding_months_is_undone_by_subtracting_them(month: date, n: int) -> None:
    moved = add_months(month, n)
    assert moved.day == 1
    assert add_months(moved, -n) == month
    assert month_index(moved) - month_index(month) == n


@given(month=MONTHS)
def test_a_month_index_names_exactly_one_month(month: date) -> None:
    assert month_from_index(month_index(month)) == month
    assert next_month(previous_month(month)) == month


def test_months_cross_the_year_both_ways() -> None:
    assert add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert add_months(NOV, 14) == date(2028, 1, 1)


def test_plans_may_be_set_from_a_year_back_to_a_quarter_ahead() -> None:
    assert [n for n in range(-20, 20) if plannable(add_months(NOV, n), NOV)] == list(
        range(-MONTHS_BACK, MONTHS_AHEAD + 1)
    )
    assert (MONTHS_BACK, MONTHS_AHEAD) == (12, 3)


@pytest.mark.parametrize(
    ("typed", "count"), [("0", 0), ("12", 12), (" 1 000 ", 1000), ("100000", 100_000)]
)
def test_a_typed_count_is_a_whole_number(typed: str, count: int) -> None:
    assert parse_count(typed) == count


@pytest.mark.parametrize("typed", ["", "-1", "1.5", "три", "100001", "١٢", "1e3", "9" * 50])
def test_anything_else_is_not_a_count(typed: str) -> None:
    with pytest.raises(CountError):
        parse_count(typed)


@given(n=st.integers(0, MAX_COUNT))
def test_every_count_in_range_reads_back(n: int) -> None:
    assert parse_count(str(n)) == n
    assert parse_count(f"{n:,}".replace(",", " ")) == n


def test_the_audit_line_shows_roubles_and_only_the_counts_that_are_set() -> None:
    seller = UserId(1)
    assert describe(Plan(seller, NOV, 150_000_00)) == "150000"
    assert (
        describe(Plan(seller, NOV, 99_50, won_deals=3, proposals=0)) == "99.50; won 3; proposals 0"
    )
    assert describe(Plan(seller, NOV, 1, 1, 2, 3)) == "0.01; won 1; meetings 2; proposals 3"


@pytest.mark.parametrize(
    "fields",
    [
        {"revenue": -1},
        {"revenue": MAX_REVENUE + 1},
        {"won_deals": -1},
        {"meetings": MAX_COUNT + 1},
        {"month": date(2026, 11, 2)},
    ],
)
def test_a_plan_refuses_what_no_team_could_mean(fields: dict[str, object]) -> None:
    values: dict[str, object] = {"seller_id": UserId(1), "month": NOV, "revenue": 1} | fields
    with pytest.raises(ValueError, match="a plan's"):
        Plan(**values)  # type: ignore[arg-type]
