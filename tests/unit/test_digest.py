"""The digest's figures from plain rows, against numbers worked out by hand."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.company import CompanySettings, changed
from bot.domain.digest import (
    Calendar,
    DigestRows,
    OwnerBreakdown,
    SellerFacts,
    Won,
    biggest_leak,
    build_digest,
    cumulative,
    daily_plan,
    digest_window,
    for_owners,
    funnel_reached,
    totals,
)
from bot.domain.errors import SettingInvalidError
from bot.domain.ids import StageId, UserId
from bot.domain.nps import from_counts
from bot.domain.stage_metrics import StageLoss

WEEK = frozenset({1, 2, 3, 4, 5})
TUE_24 = Calendar(date(2026, 11, 24), WEEK)  # November 2026: 21 working days, 16 passed
A, B, C = UserId(1), UserId(2), UserId(3)


def rows(
    sellers: list[SellerFacts],
    plans: dict[UserId, int] | None = None,
    roster: frozenset[UserId] = frozenset(),
    **kw: object,
) -> DigestRows:
    base: dict[str, object] = {
        "won_new": Won(),
        "won_current": Won(),
        "losses": [],
        "daily": [],
    }
    return DigestRows(sellers, plans or {}, roster=roster, **(base | kw))  # type: ignore[arg-type]


def test_the_month_yesterday_and_pipeline_from_hand_computed_numbers() -> None:
    facts = [
        SellerFacts(
            A,
            month_won=Won(2, 45_000_000),
            yesterday_won=Won(1, 15_000_000),
            new_deals=3,
            stage_moves=4,
            tasks_done=5,
            open_value=1_000_000_000,
            weighted_x100=1_000_000_000 * 10,
            overdue=1,
            nps=from_counts(3, 1, 1),
        ),
        SellerFacts(B, month_won=Won(1, 10_000_000), new_deals=2),
    ]
    plans = {A: 210_000_000, B: 100_000_000}
    d = build_digest(rows(facts, plans, roster=frozenset({A, B})), TUE_24)
    # 550 000 ₽ of 3 100 000 ₽ after 16 of 21 working days; 5 left with today.
    assert d.month.fact == 55_000_000 and d.month.plan == 310_000_000
    assert d.month.percent == pytest.approx(17.741935)
    assert d.month.forecast == 72_187_500  # 55 000 000 × 21 / 16
    assert d.month.gap == 310_000_000 - 72_187_500
    assert d.month.needed_per_day == 51_000_000  # 255 000 000 / 5
    assert (d.month.days_passed, d.month.days_total, d.month.days_left) == (16, 21, 5)
    assert d.yesterday.daily_plan == 14_761_905  # 310 000 000 / 21, rounded
    assert d.yesterday.percent == pytest.approx(15_000_000 * 100 / 14_761_905)
    assert (d.yesterday.new_deals, d.yesterday.stage_moves, d.yesterday.tasks_done) == (5, 4, 5)
    assert d.pipeline.weighted == 100_000_000
    assert d.pipeline.coverage.ratio == pytest.approx(100_000_000 / 255_000_000)
    assert d.pipeline.below_level
    first, second = d.sellers
    assert (first.facts.seller_id, first.place, first.is_best) == (A, 1, True)
    assert (second.facts.seller_id, second.is_worst) == (B, True)
    assert first.needed_today == 33_000_000  # (210 000 000 − 45 000 000) / 5
    assert second.needed_today == 18_000_000
    assert first.facts.nps.nps_rounded == 40


def test_no_plan_and_no_deals_is_empty_and_has_no_numbers_to_invent() -> None:
    d = build_digest(rows([], roster=frozenset({A})), TUE_24)
    assert d.is_empty
    assert d.month.percent is None and d.month.gap is None and d.month.needed_per_day is None
    assert d.yesterday.daily_plan is None and d.yesterday.percent is None
    assert d.pipeline.coverage.ratio is None and not d.pipeline.coverage.plan_met
    assert not d.pipeline.below_level
    assert d.leak is None
    [line] = d.sellers
    assert line.percent is None and line.place is None and line.needed_today is None


def test_the_first_working_day_has_no_forecast() -> None:
    monday_2nd = Calendar(date(2026, 11, 2), WEEK)
    d = build_digest(rows([], {A: 100_000_000}), monday_2nd)
    assert d.month.days_passed == 0 and d.month.forecast is None and d.month.gap is None
    assert d.month.needed_per_day == 100_000_000 // 21 + 1  # rounded up: 4 761 905
    assert not d.is_empty  # a plan is something to stand up about


def test_a_seller_without_a_plan_is_ranked_last_and_has_no_target() -> None:
    facts = [SellerFacts(A, month_won=Won(1, 100)), SellerFacts(C, month_won=Won(1, 999))]
    d = build_digest(rows(facts, {A: 1_000}, roster=frozenset({A, C})), TUE_24)
    assert [s.facts.seller_id for s in d.sellers] == [A, C]
    unplanned = d.sellers[1]
    assert unplanned.plan == 0 and unplanned.percent is None and unplanned.needed_today is None
    assert not unplanned.is_best and not unplanned.is_worst


def test_someone_off_the_roster_counts_in_the_team_but_is_not_ranked() -> None:
    head = UserId(9)
    facts = [SellerFacts(A, month_won=Won(1, 100)), SellerFacts(head, month_won=Won(1, 50))]
    d = build_digest(rows(facts, roster=frozenset({A})), TUE_24)
    assert d.month.fact == 150
    assert [s.facts.seller_id for s in d.sellers] == [A]


def test_a_month_without_working_days_divides_by_nothing() -> None:
    d = build_digest(rows([], {A: 1_000}), Calendar(date(2026, 11, 24), frozenset()))
    assert d.month.days_total == 0 and d.month.forecast is None
    assert d.month.needed_per_day is None and d.yesterday.daily_plan is None


def test_a_plan_met_covers_nothing_and_needs_nothing() -> None:
    facts = [SellerFacts(A, month_won=Won(1, 2_000), weighted_x100=100)]
    d = build_digest(rows(facts, {A: 1_000}, roster=frozenset({A})), TUE_24)
    assert d.pipeline.coverage.plan_met and not d.pipeline.below_level
    assert d.month.needed_per_day == 0 and d.sellers[0].needed_today == 0


def test_the_biggest_leak_loses_most_deals_then_most_money_then_comes_first() -> None:
    s1, s2, s3 = StageId(1), StageId(2), StageId(3)
    assert biggest_leak([]) is None
    assert biggest_leak([StageLoss(s1, 0, 0)]) is None
    losses = [StageLoss(s1, 2, 100), StageLoss(s2, 3, 50), StageLoss(s3, 3, 50)]
    assert biggest_leak(losses) == StageLoss(s2, 3, 50)
    assert biggest_leak([*losses, StageLoss(StageId(4), 3, 51)]) == StageLoss(StageId(4), 3, 51)


def test_the_cumulative_fact_runs_in_date_order() -> None:
    daily = [(date(2026, 11, 5), 30), (date(2026, 11, 2), 10), (date(2026, 11, 3), 0)]
    assert cumulative(daily) == [
        (date(2026, 11, 2), 10),
        (date(2026, 11, 3), 10),
        (date(2026, 11, 5), 40),
    ]


def test_the_funnel_counts_a_deal_at_every_stage_up_to_its_furthest() -> None:
    stages = [StageId(10), StageId(20), StageId(30)]
    # 4 stopped at the first stage, 1 got to the third, 2 won.
    conversions = funnel_reached(stages, {0: 4, 2: 1, None: 2})
    assert [(c.reached, c.passed) for c in conversions] == [(7, 3), (3, 3), (3, 2)]
    assert [c.rate for c in funnel_reached(stages, {})] == [None, None, None]


@given(st.integers(0, 10**12), st.integers(0, 31))
def test_the_daily_plan_is_never_nan(plan: int, days: int) -> None:
    per_day = daily_plan(plan, days)
    assert per_day is None or (isinstance(per_day, int) and not math.isnan(per_day))
    assert (per_day is None) == (plan == 0 or days == 0)


def test_the_window_cuts_at_the_teams_midnights() -> None:
    now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
    w = digest_window(now, ZoneInfo("Europe/Moscow"))
    assert w.month_start == datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
    assert w.today_start == datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
    assert w.yesterday_start == datetime(2026, 11, 22, 21, 0, tzinfo=UTC)
    assert len(w.day_starts) == 23 and w.day_starts[-1][0] == date(2026, 11, 23)
    first = digest_window(datetime(2026, 11, 1, 6, tzinfo=UTC), ZoneInfo("Europe/Moscow"))
    assert first.day_starts == () and first.yesterday_start < first.month_start


def test_the_coverage_level_is_a_company_setting() -> None:
    assert CompanySettings().coverage_level == 3.0
    assert changed(CompanySettings(), "coverage_level", "2,5").coverage_level == 2.5
    for bad in ("0", "-1", "nan", "inf", "много", "101"):
        with pytest.raises(SettingInvalidError):
            changed(CompanySettings(), "coverage_level", bad)


A, B, C = UserId(1), UserId(2), UserId(3)
FIRST, SECOND = StageId(10), StageId(5)  # pipeline order, not id order


def breakdown() -> OwnerBreakdown:
    return OwnerBreakdown(
        won_new={A: Won(1, 300), B: Won(2, 50)},
        won_current={C: Won(1, 500)},
        losses=[
            (A, StageLoss(FIRST, 1, 100)),
            (C, StageLoss(FIRST, 1, 10)),
            (B, StageLoss(SECOND, 2, 20)),
        ],
        daily=[
            (A, date(2026, 11, 10), 300),
            (C, date(2026, 11, 3), 500),
            (B, date(2026, 11, 10), 50),
        ],
    )


def test_the_team_totals_sum_every_owner_keeping_the_pipeline_order():
    whole = totals(breakdown())
    assert whole.won_new == Won(3, 350) and whole.won_current == Won(1, 500)
    assert whole.losses == [StageLoss(FIRST, 2, 110), StageLoss(SECOND, 2, 20)]
    assert whole.daily == [(date(2026, 11, 3), 500), (date(2026, 11, 10), 350)]


def test_a_heads_rows_keep_only_their_teams_lines_plans_and_totals():
    full = replace(
        totals(breakdown()),
        sellers=[SellerFacts(A, month_won=Won(1, 300)), SellerFacts(C, month_won=Won(1, 500))],
        plans={A: 1000, C: 2000},
        roster=frozenset({A, B, C}),
        by_owner=breakdown(),
    )
    north = for_owners(full, frozenset({A, B}))
    assert [s.seller_id for s in north.sellers] == [A]
    assert north.plans == {A: 1000} and north.roster == {A, B}
    assert north.won_new == Won(3, 350) and north.won_current == Won()
    assert north.losses == [StageLoss(FIRST, 1, 100), StageLoss(SECOND, 2, 20)]
    assert north.daily == [(date(2026, 11, 10), 350)]
    digest = build_digest(north, Calendar(date(2026, 11, 24), frozenset(range(1, 6))))
    assert digest.month.fact == 300 and digest.month.plan == 1000
    assert digest.leak == StageLoss(SECOND, 2, 20)
    with pytest.raises(ValueError, match="breakdown"):
        for_owners(replace(full, by_owner=None), frozenset({A}))


@given(st.sets(st.sampled_from([A, B, C])))
def test_a_scope_and_the_rest_add_up_to_the_whole(owners):
    rest = frozenset({A, B, C}) - owners
    one, other, whole = totals(breakdown(), owners), totals(breakdown(), rest), totals(breakdown())
    assert one.won_new + other.won_new == whole.won_new
    assert one.won_current + other.won_current == whole.won_current
    assert sum(a for _, a in one.daily) + sum(a for _, a in other.daily) == sum(
        a for _, a in whole.daily
    )
    lost = {s.stage_id: s.lost_deals for s in whole.losses}
    for loss in [*one.losses, *other.losses]:
        lost[loss.stage_id] -= loss.lost_deals
    assert set(lost.values()) == {0}
