"""The comparisons of /report: the period before, a seller's plan share, every lost reason."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.analytics import ReasonTotal
from bot.domain.comparison import (
    LostReasons,
    SellerTotals,
    change,
    fold_reasons,
    period_plan,
    points,
    previous_days,
    seller_rows,
)
from bot.domain.ids import UserId

WEEKDAYS = frozenset({1, 2, 3, 4, 5})


@pytest.mark.parametrize(
    ("first", "last", "before"),
    [
        # a month so far against the same days of the month before
        (date(2026, 11, 1), date(2026, 11, 23), (date(2026, 10, 1), date(2026, 10, 23))),
        # a whole March against the whole (shorter) February
        (date(2026, 3, 1), date(2026, 3, 31), (date(2026, 2, 1), date(2026, 2, 28))),
        # January against December, over New Year
        (date(2027, 1, 1), date(2027, 1, 7), (date(2026, 12, 1), date(2026, 12, 7))),
        # a week so far (Monday to Wednesday) against the same weekdays of the week before
        (date(2026, 11, 23), date(2026, 11, 25), (date(2026, 11, 16), date(2026, 11, 18))),
        # one day against the day before
        (date(2026, 11, 24), date(2026, 11, 24), (date(2026, 11, 23), date(2026, 11, 23))),
        # a typed range against as many days right before it
        (date(2026, 11, 10), date(2026, 11, 19), (date(2026, 10, 31), date(2026, 11, 9))),
    ],
)
def test_the_period_before(first: date, last: date, before: tuple[date, date]) -> None:
    assert previous_days(first, last) == before


@given(st.dates(date(2000, 1, 2), date(2100, 1, 1)), st.integers(0, 400))
def test_the_period_before_ends_before_it_and_is_never_longer(first: date, days: int) -> None:
    last = date.fromordinal(first.toordinal() + days)
    start, end = previous_days(first, last)
    assert start <= end < first
    assert (end - start).days <= (last - first).days


def test_changes_with_nothing_to_compare_with_are_none() -> None:
    assert change(40_000, 400_000) == pytest.approx(-0.9)
    assert change(3, 2) == pytest.approx(0.5)
    assert change(5, 0) is None and change(None, 5) is None
    assert points(1.0, 2 / 3) == pytest.approx(33.33, abs=0.01)
    assert points(None, 0.5) is None


def test_a_sellers_plan_is_shared_by_working_days() -> None:
    plans = {date(2026, 11, 1): 210_000_00, date(2026, 12, 1): 230_000_00}
    # November 2026 has 21 weekdays: all of it holds the whole plan
    assert period_plan(date(2026, 11, 1), date(2026, 11, 30), plans, WEEKDAYS) == 210_000_00
    # 16 of them by the 23rd
    assert period_plan(date(2026, 11, 1), date(2026, 11, 23), plans, WEEKDAYS) == 160_000_00
    # 30 November (1 of 21) and 1 December (1 of 23 weekdays)
    assert period_plan(date(2026, 11, 30), date(2026, 12, 1), plans, WEEKDAYS) == 20_000_00
    # a public holiday is no working day: 20 days in November, 15 of them by the 23rd
    holidays = frozenset({date(2026, 11, 4)})
    assert (
        period_plan(date(2026, 11, 1), date(2026, 11, 23), plans, WEEKDAYS, holidays) == 157_500_00
    )
    assert period_plan(date(2026, 10, 1), date(2026, 10, 31), plans, WEEKDAYS) is None


def test_every_seller_gets_a_line_the_most_won_first() -> None:
    ann, bob, cid = UserId(1), UserId(2), UserId(3)
    rows = seller_rows(
        [SellerTotals(bob, 2, 300, 1), SellerTotals(cid, 1, 50, 0)],
        [SellerTotals(bob, 1, 100, 0)],
        [ann, bob],
        {bob: 600, ann: None},
    )
    assert [r.totals.seller_id for r in rows] == [bob, cid, ann]
    bob_row = rows[0]
    assert bob_row.totals.win_rate == pytest.approx(2 / 3)
    assert bob_row.totals.average_check == 150
    assert bob_row.plan_share == pytest.approx(0.5)
    assert bob_row.amount_change == pytest.approx(2.0)
    assert rows[2].totals == SellerTotals(ann) and rows[2].plan_share is None


def test_seven_reasons_show_five_and_the_rest_as_other() -> None:
    rows = [ReasonTotal(f"r{i}", 1, 1000 * (i + 1)) for i in range(7)]
    folded = fold_reasons(rows, 5)
    assert [r.reason for r in folded.named] == ["r6", "r5", "r4", "r3", "r2"]
    assert (folded.other_deals, folded.other_amount) == (2, 3000)
    assert (folded.deals, folded.amount) == (7, 28_000)
    assert fold_reasons(rows[:3], 5) == LostReasons(sorted(rows[:3], key=lambda r: -r.amount))


reasons = st.lists(
    st.builds(
        ReasonTotal,
        st.one_of(st.none(), st.text(max_size=5)),
        st.integers(1, 50),
        st.integers(0, 10**12),
    ),
    max_size=30,
)


@given(reasons, st.integers(0, 10))
def test_lost_reasons_always_sum_to_the_total(rows: list[ReasonTotal], shown: int) -> None:
    folded = fold_reasons(rows, shown)
    assert folded.deals == sum(r.deals for r in rows)
    assert folded.amount == sum(r.amount for r in rows)
    assert len(folded.named) == min(shown, len(rows))
    assert all(
        (n.deals, n.amount) >= (o.deals, o.amount)
        for n in folded.named
        for o in rows
        if o not in folded.named
    )
