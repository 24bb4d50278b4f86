"""Deal, stage and plan/fact metrics against small data sets counted by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.ids import DealId, StageId, UserId
from bot.domain.metrics import (
    MIN_WON_FOR_VELOCITY,
    ClosedDeal,
    DaysSummary,
    OpenDeal,
    average_check,
    closed_between,
    cycle_length,
    final_closings,
    lead_to_sale,
    pipeline_value,
    round_half_away,
    sales_velocity,
    weighted_pipeline,
    win_rate,
)
from bot.domain.plan_metrics import (
    PlanCoverage,
    SellerResult,
    coverage,
    forecast_gap,
    needed_per_day,
    percent_done,
    rank_sellers,
    run_rate_forecast,
)
from bot.domain.stage_metrics import (
    FunnelDeal,
    StageConversion,
    StageLoss,
    StageStay,
    biggest_leak,
    stage_conversions,
    stage_durations,
    stage_losses,
)

RUB = 100  # kopecks in a rouble
S1, S2, S3, S4 = StageId(1), StageId(2), StageId(3), StageId(4)
STAGES = [S1, S2, S3, S4]  # first contact, qualification, meeting, proposal


def mar(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def won(deal: int, rub: int, created: int, closed: int) -> ClosedDeal:
    return ClosedDeal(DealId(deal), rub * RUB, mar(created), mar(closed), won=True)


def lost(deal: int, rub: int, created: int, closed: int, at: StageId | None) -> ClosedDeal:
    return ClosedDeal(DealId(deal), rub * RUB, mar(created), mar(closed), False, at)


# Deal 7 was lost at the meeting on the 8th, reopened, and won on the 15th: two closings.
CLOSINGS = [
    won(1, 100_000, created=1, closed=11),  # 10 days
    won(2, 50_000, created=2, closed=6),  # 4 days
    won(3, 30_000, created=1, closed=21),  # 20 days
    lost(4, 20_000, created=3, closed=5, at=S2),
    lost(5, 40_000, created=3, closed=9, at=S3),
    lost(6, 10_000, created=4, closed=12, at=S2),
    lost(7, 60_000, created=4, closed=8, at=S3),
    won(7, 60_000, created=4, closed=15),  # 11 days
]


def test_a_reopened_deal_counts_once_as_it_last_ended() -> None:
    final = final_closings(CLOSINGS)
    assert len(final) == 7
    assert [c for c in final if c.deal_id == DealId(7)] == [CLOSINGS[-1]]
    # The same rows in another order give the same answer: the later closing wins.
    assert sorted(final_closings(reversed(CLOSINGS)), key=lambda c: c.deal_id) == sorted(
        final, key=lambda c: c.deal_id
    )


def test_win_rate_is_won_over_closed() -> None:
    # Won 1, 2, 3, 7; lost 4, 5, 6: 4 / 7 (deal 7's loss would have made it 4 / 8).
    assert win_rate(CLOSINGS) == pytest.approx(4 / 7)
    assert win_rate([won(1, 10, 1, 2)]) == 1.0
    assert win_rate([lost(1, 10, 1, 2, S1)]) == 0.0


def test_a_period_holds_the_deals_last_closed_in_it() -> None:
    # Deal 7 was lost on the 8th but belongs to the 15th, where it was won.
    first_ten_days = closed_between(CLOSINGS, mar(1), mar(11))
    assert sorted(c.deal_id for c in first_ten_days) == [2, 4, 5]  # closed 6th, 5th, 9th
    assert win_rate(first_ten_days) == pytest.approx(1 / 3)
    assert [c.deal_id for c in closed_between(CLOSINGS, mar(15), mar(16))] == [7]


def test_average_check_is_won_amount_over_won_deals() -> None:
    # (100 000 + 50 000 + 30 000 + 60 000) / 4 = 60 000 roubles.
    assert average_check(CLOSINGS) == 60_000 * RUB
    # 1 + 2 kopecks over two deals is 1.5 kopecks, and the half rounds away from zero.
    odd = [ClosedDeal(DealId(n), n, mar(1), mar(2), True) for n in (1, 2)]
    assert average_check(odd) == 2


def test_cycle_length_counts_won_deals_from_creation_to_closing() -> None:
    # Days 10, 4, 20, 11: mean 45 / 4 = 11.25, median (10 + 11) / 2 = 10.5.
    assert cycle_length(CLOSINGS) == DaysSummary(count=4, mean_days=11.25, median_days=10.5)
    half_day = ClosedDeal(DealId(1), 1, mar(1, 0), mar(1, 12), True)
    assert cycle_length([half_day]) == DaysSummary(1, 0.5, 0.5)
    backwards = ClosedDeal(DealId(1), 1, mar(5), mar(1), True)  # a clock error
    assert cycle_length([backwards]) == DaysSummary(1, 0.0, 0.0)


def test_no_closed_deals_give_no_metrics_rather_than_zeros() -> None:
    assert win_rate([]) is None
    assert average_check([]) is None
    assert cycle_length([]) is None
    only_lost = [lost(1, 10, 1, 2, S1)]
    assert average_check(only_lost) is None
    assert cycle_length(only_lost) is None


def test_lead_to_sale_is_won_over_created_in_the_cohort() -> None:
    assert lead_to_sale(created=40, won=6) == 0.15
    assert lead_to_sale(created=0, won=0) is None
    with pytest.raises(ValueError, match=r"0\.\.created"):
        lead_to_sale(created=3, won=4)


def test_pipeline_value_and_its_weighted_forecast() -> None:
    open_deals = [
        OpenDeal(100_000 * RUB, 10),
        OpenDeal(50_000 * RUB, 50),
        OpenDeal(20_000 * RUB, 90),
    ]
    # 100 000 + 50 000 + 20 000 = 170 000; weighted 10 000 + 25 000 + 18 000 = 53 000.
    assert pipeline_value(open_deals) == 170_000 * RUB
    assert weighted_pipeline(open_deals) == 53_000 * RUB
    assert pipeline_value([]) == 0
    assert weighted_pipeline([]) == 0


def test_the_weighted_pipeline_is_rounded_once_not_per_deal() -> None:
    # Three 1-kopeck deals at 50 %: 1.5 kopecks rounds to 2 (per deal: 3 or 0).
    assert weighted_pipeline([OpenDeal(1, 50)] * 3) == 2


def test_bad_deal_rows_are_refused() -> None:
    with pytest.raises(ValueError, match=r"0\.\.100"):
        OpenDeal(1, 101)
    with pytest.raises(ValueError, match="negative"):
        OpenDeal(-1, 50)
    with pytest.raises(ValueError, match="negative"):
        won(1, -5, 1, 2)


# Five won deals, 10 + 4 + 20 + 11 + 15 = 60 days (mean 12), 60 000 roubles each, and
# three lost: win rate 5/8.
FIVE_WON = [
    won(1, 60_000, created=1, closed=11),
    won(2, 60_000, created=2, closed=6),
    won(3, 60_000, created=1, closed=21),
    won(4, 60_000, created=4, closed=15),
    won(5, 60_000, created=5, closed=20),
    lost(6, 20_000, created=3, closed=5, at=S2),
    lost(7, 40_000, created=3, closed=9, at=S3),
    lost(8, 10_000, created=4, closed=12, at=S2),
]


def test_sales_velocity_is_expected_revenue_per_day() -> None:
    # 10 open × 6 000 000 kopecks × 5/8 / 12 days = 3 125 000 kopecks: 31 250 roubles a day.
    rate, check = win_rate(FIVE_WON), average_check(FIVE_WON)
    assert sales_velocity(10, check, rate, cycle_length(FIVE_WON)) == 3_125_000
    assert sales_velocity(0, check, rate, cycle_length(FIVE_WON)) == 0


def test_deals_won_the_minute_they_were_opened_count_a_day_of_cycle() -> None:
    # The reported bug: a cycle of seconds divided the pipeline into billions a day.
    # Five deals of 100 000 roubles opened at 10:00 and won at 10:00:30 the same minute,
    # five lost: rate 1/2. 10 open × 10 000 000 × 1/2 / 1 day = 50 000 000 kopecks.
    opened = datetime(2026, 3, 2, 10, tzinfo=UTC)
    closings = [
        ClosedDeal(DealId(n), 100_000 * RUB, opened, opened + timedelta(seconds=30), n <= 5)
        for n in range(1, 11)
    ]
    cycle = cycle_length(closings)
    assert cycle is not None and cycle.mean_days == pytest.approx(30 / 86_400)
    velocity = sales_velocity(10, average_check(closings), win_rate(closings), cycle)
    assert velocity == 50_000_000


def test_fewer_than_five_won_deals_are_not_enough_to_know_the_velocity() -> None:
    # CLOSINGS holds four won deals: whatever the other figures, velocity is not known yet.
    rate, check, cycle = win_rate(CLOSINGS), average_check(CLOSINGS), cycle_length(CLOSINGS)
    assert cycle is not None and cycle.count == 4 < MIN_WON_FOR_VELOCITY == 5
    assert sales_velocity(10, check, rate, cycle) is None


def test_sales_velocity_is_none_when_a_part_is_missing() -> None:
    five = DaysSummary(5, 10.0, 10.0)
    assert sales_velocity(10, None, 0.5, five) is None
    assert sales_velocity(10, 1000, None, five) is None
    assert sales_velocity(10, 1000, 0.5, None) is None
    with pytest.raises(ValueError, match="negative"):
        sales_velocity(-1, 1000, 0.5, five)


@given(
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=1, max_value=10**12),
    st.fractions(min_value=0, max_value=1),
    st.integers(min_value=0, max_value=1000),
    st.floats(min_value=0, max_value=1000),
)
def test_velocity_never_exceeds_the_pipeline_won_in_a_day(
    open_deals: int, check: int, rate: Fraction, won_deals: int, mean_days: float
) -> None:
    cycle = DaysSummary(won_deals, mean_days, mean_days)
    velocity = sales_velocity(open_deals, check, float(rate), cycle)
    if won_deals < MIN_WON_FOR_VELOCITY:
        assert velocity is None
    else:
        # The cycle is at least a day, so a day never brings more than the whole pipe.
        assert velocity is not None
        assert (
            0 <= velocity <= round_half_away(Fraction(open_deals * check) * Fraction(float(rate)))
        )


def test_rounding_sends_halves_away_from_zero() -> None:
    values: list[Fraction | float] = [
        Fraction(5, 2),
        Fraction(-5, 2),
        Fraction(7, 3),
        0.5,
        -0.5,
        2.4999,
    ]
    assert [round_half_away(v) for v in values] == [3, -3, 2, 1, -1, 2]


# The funnel, per deal: the stages it entered and whether it won; its furthest point.
FUNNEL = [
    FunnelDeal(frozenset({S1})),  # 1st
    FunnelDeal(frozenset({S1, S2})),  # 2nd
    FunnelDeal(frozenset({S2})),  # 2nd: created straight into qualification
    FunnelDeal(frozenset({S1, S2, S3})),  # 3rd
    FunnelDeal(frozenset({S1, S3})),  # 3rd: skipped qualification
    FunnelDeal(frozenset({S1, S2, S3, S4})),  # 4th, lost or still open
    FunnelDeal(frozenset({S1, S2, S3, S4}), won=True),  # won
    FunnelDeal(frozenset({S1, S2, S3}), won=True),  # lost at 3rd, reopened into 2nd, won
    FunnelDeal(frozenset({StageId(99)})),  # another pipeline's stage: not counted
]


def test_stage_conversion_follows_each_deal_to_its_furthest_point() -> None:
    # Furthest points: 1st 1, 2nd 2, 3rd 2, 4th 1, won 2 → reached 8, 7, 5, 3, won 2.
    assert stage_conversions(STAGES, FUNNEL) == [
        StageConversion(S1, reached=8, passed=7),
        StageConversion(S2, reached=7, passed=5),
        StageConversion(S3, reached=5, passed=3),
        StageConversion(S4, reached=3, passed=2),
    ]
    rates = [c.rate for c in stage_conversions(STAGES, FUNNEL)]
    assert rates == pytest.approx([7 / 8, 5 / 7, 3 / 5, 2 / 3])


def test_a_deal_that_skipped_a_stage_passed_it_and_a_reopened_one_counts_once() -> None:
    skipping = [FunnelDeal(frozenset({S1, S3}))]
    assert [c.reached for c in stage_conversions(STAGES, skipping)] == [1, 1, 1, 0]
    reopened = [FunnelDeal(frozenset({S1, S2, S3}), won=True)]
    assert [(c.reached, c.passed) for c in stage_conversions(STAGES, reopened)] == [(1, 1)] * 4


def test_a_one_stage_pipeline_converts_straight_to_won() -> None:
    deals = [FunnelDeal(frozenset({S1}), won=True), FunnelDeal(frozenset({S1}))]
    deals.append(FunnelDeal(frozenset({S1})))  # still open
    [only] = stage_conversions([S1], deals)
    assert (only.reached, only.passed) == (3, 1)
    assert only.rate == pytest.approx(1 / 3)


def test_no_deals_give_no_conversion_rates() -> None:
    assert [c.rate for c in stage_conversions(STAGES, [])] == [None] * 4
    assert stage_conversions([], FUNNEL) == []
    with pytest.raises(ValueError, match="once"):
        stage_conversions([S1, S2, S1], FUNNEL)


@given(
    st.lists(
        st.tuples(st.frozensets(st.sampled_from([*STAGES, StageId(99)])), st.booleans()),
        max_size=50,
    )
)
def test_conversions_stay_within_zero_and_one_and_never_grow_down_the_funnel(
    rows: list[tuple[frozenset[StageId], bool]],
) -> None:
    conversions = stage_conversions(STAGES, [FunnelDeal(s, w) for s, w in rows])
    reached = [c.reached for c in conversions]
    assert reached == sorted(reached, reverse=True)
    assert all(c.rate is None or 0 <= c.rate <= 1 for c in conversions)
    assert conversions[-1].passed == sum(w for _, w in rows)


def test_stage_duration_sums_a_deals_visits_and_measures_an_open_one_to_now() -> None:
    d1, d2, d3 = DealId(1), DealId(2), DealId(3)
    stays = [
        StageStay(d1, S1, mar(1), mar(3)),  # 2 days
        StageStay(d1, S2, mar(3), mar(8)),  # 5 days
        StageStay(d2, S1, mar(2, 0), mar(2, 12)),  # 0.5 days
        StageStay(d2, S2, mar(2, 12), mar(4, 12)),  # 2 days
        StageStay(d2, S1, mar(4, 12), mar(5, 12)),  # back for 1 day: 1.5 in all
        StageStay(d2, S2, mar(5, 12)),  # open until the 20th: 14.5 days, 16.5 in all
        StageStay(d3, S1, mar(5), mar(9)),  # 4 days
        StageStay(d3, S3, mar(9), mar(8)),  # left before it entered: 0 days
    ]
    durations = stage_durations(stays, now=mar(20))
    # Stage 1: 2, 1.5, 4 → mean 2.5, median 2. Stage 2: 5, 16.5 → mean = median = 10.75.
    assert durations == {
        S1: DaysSummary(3, 2.5, 2.0),
        S2: DaysSummary(2, 10.75, 10.75),
        S3: DaysSummary(1, 0.0, 0.0),
    }
    assert stage_durations([], now=mar(20)) == {}


def test_the_biggest_leak_is_the_stage_that_lost_the_most_deals() -> None:
    # Qualification lost deals 4 and 6; the meeting lost 5 (deal 7's loss was undone).
    assert stage_losses(STAGES, CLOSINGS) == [
        StageLoss(S1, 0, 0),
        StageLoss(S2, 2, 30_000 * RUB),
        StageLoss(S3, 1, 40_000 * RUB),
        StageLoss(S4, 0, 0),
    ]
    assert biggest_leak(STAGES, CLOSINGS) == StageLoss(S2, 2, 30_000 * RUB)


def test_a_leak_tie_goes_to_more_money_then_to_the_earlier_stage() -> None:
    more_money = [lost(1, 5_000, 1, 2, S2), lost(2, 7_000, 1, 2, S3)]
    assert biggest_leak(STAGES, more_money) == StageLoss(S3, 1, 7_000 * RUB)
    level = [lost(1, 5_000, 1, 2, S3), lost(2, 5_000, 1, 2, S2)]
    assert biggest_leak(STAGES, level) == StageLoss(S2, 1, 5_000 * RUB)


def test_no_leak_without_losses_at_a_known_stage() -> None:
    assert biggest_leak(STAGES, []) is None
    assert biggest_leak(STAGES, [won(1, 10, 1, 2)]) is None
    unknown = [lost(1, 10, 1, 2, None), lost(2, 10, 1, 2, StageId(99))]
    assert biggest_leak(STAGES, unknown) is None
    assert biggest_leak([S1], [lost(1, 10, 1, 2, S1)]) == StageLoss(S1, 1, 10 * RUB)


@given(st.lists(st.tuples(st.booleans(), st.integers(min_value=1, max_value=5)), max_size=40))
def test_win_rate_stays_within_zero_and_one(rows: list[tuple[bool, int]]) -> None:
    closings = [
        ClosedDeal(DealId(deal), 100, mar(1), mar(1) + timedelta(hours=n), is_won)
        for n, (is_won, deal) in enumerate(rows)
    ]
    rate = win_rate(closings)
    if not rows:
        assert rate is None
        return
    assert rate is not None and 0 <= rate <= 1
    last = {deal: is_won for is_won, deal in rows}  # each deal's last closing
    assert rate == pytest.approx(sum(last.values()) / len(last))


# Plan/fact: a plan of 1 000 000 roubles for November 2026, 20 working days; on the
# morning of the 18th, 11 have passed and 9 are left (see test_calendar).
PLAN = 1_000_000 * RUB


def test_run_rate_forecast_ahead_of_plan() -> None:
    fact = 605_000 * RUB
    forecast = run_rate_forecast(fact, days_passed=11, days_in_month=20)
    assert forecast == 1_100_000 * RUB  # 605 000 / 11 × 20
    assert forecast_gap(PLAN, forecast) == -100_000 * RUB  # ahead by 100 000
    # (1 000 000 − 605 000) / 9 = 43 888.888… roubles, rounded up to the kopeck.
    assert needed_per_day(PLAN, fact, days_remaining=9) == 4_388_889
    assert percent_done(fact, PLAN) == 60.5


def test_run_rate_forecast_behind_plan() -> None:
    fact = 330_000 * RUB
    forecast = run_rate_forecast(fact, days_passed=11, days_in_month=20)
    assert forecast == 600_000 * RUB  # 330 000 / 11 × 20
    assert forecast_gap(PLAN, forecast) == 400_000 * RUB
    assert needed_per_day(PLAN, fact, days_remaining=9) == 7_444_445  # 670 000 / 9, up
    assert run_rate_forecast(100, days_passed=3, days_in_month=20) == 667  # 2000 / 3


def test_the_first_morning_has_no_pace_to_forecast_from() -> None:
    assert run_rate_forecast(5_000 * RUB, days_passed=0, days_in_month=20) is None
    assert forecast_gap(PLAN, None) is None
    assert run_rate_forecast(0, days_passed=0, days_in_month=0) is None
    with pytest.raises(ValueError, match="passed"):
        run_rate_forecast(100, days_passed=21, days_in_month=20)


def test_a_month_with_no_working_days_left() -> None:
    fact = 900_000 * RUB
    assert run_rate_forecast(fact, days_passed=20, days_in_month=20) == fact
    assert needed_per_day(PLAN, fact, days_remaining=0) is None
    with pytest.raises(ValueError, match="negative"):
        needed_per_day(PLAN, fact, days_remaining=-1)


def test_a_met_plan_needs_nothing_more_per_day() -> None:
    assert needed_per_day(PLAN, PLAN, days_remaining=5) == 0
    assert needed_per_day(PLAN, PLAN + 1, days_remaining=5) == 0
    assert percent_done(PLAN + PLAN // 5, PLAN) == 120.0


def test_a_zero_plan_is_no_plan() -> None:
    assert percent_done(100, 0) is None
    assert percent_done(0, 0) is None
    assert needed_per_day(0, 100, days_remaining=5) == 0
    assert coverage(53_000, plan=0, fact=0) == PlanCoverage(None, plan_met=False)
    with pytest.raises(ValueError, match="negative"):
        percent_done(1, -1)


def test_coverage_is_weighted_pipeline_over_the_plan_left() -> None:
    # Plan 1 000 000, fact 735 000: 265 000 left, weighted 530 000 covers it twice.
    assert coverage(530_000 * RUB, PLAN, 735_000 * RUB) == PlanCoverage(2.0, plan_met=False)
    assert coverage(0, PLAN, 0) == PlanCoverage(0.0, plan_met=False)
    assert coverage(530_000 * RUB, PLAN, PLAN) == PlanCoverage(None, plan_met=True)
    assert coverage(530_000 * RUB, PLAN, PLAN * 2) == PlanCoverage(None, plan_met=True)


def seller(n: int, fact: int, plan: int) -> SellerResult:
    return SellerResult(UserId(n), fact, plan)


def test_sellers_rank_by_percent_done_with_ties_sharing_a_place() -> None:
    ranking = rank_sellers(
        [
            seller(7, 0, 0),
            seller(5, 20, 40),  # 50 %
            seller(3, 90, 100),  # 90 %
            seller(6, 500, 0),  # no plan
            seller(2, 60, 50),  # 120 %
            seller(4, 40, 80),  # 50 %
            seller(1, 120, 100),  # 120 %
        ]
    )
    lines = [(p.seller_id, p.percent, p.place, p.is_best, p.is_worst) for p in ranking]
    assert lines == [
        (1, 120.0, 1, True, False),  # level with 2, first by the larger fact
        (2, 120.0, 1, True, False),
        (3, 90.0, 3, False, False),
        (4, 50.0, 4, False, True),
        (5, 50.0, 4, False, True),
        (6, None, None, False, False),  # without a plan: last, by fact
        (7, None, None, False, False),
    ]


def test_nobody_is_best_or_worst_when_nothing_tells_them_apart() -> None:
    alone = rank_sellers([seller(1, 10, 100)])
    assert [(p.place, p.is_best, p.is_worst) for p in alone] == [(1, False, False)]
    level = rank_sellers([seller(1, 10, 100), seller(2, 20, 200)])
    assert [(p.place, p.is_best, p.is_worst) for p in level] == [(1, False, False)] * 2
    unplanned = rank_sellers([seller(1, 10, 0)])
    assert [(p.place, p.percent) for p in unplanned] == [(None, None)]
    assert rank_sellers([]) == []
    with pytest.raises(ValueError, match="negative"):
        seller(1, 10, -1)


def test_a_deleted_stages_position_counts_for_the_current_stage_before_it() -> None:
    from bot.domain.stage_metrics import stage_at

    stages = [(0, StageId(10)), (1, StageId(11)), (3, StageId(13))]  # slot 2 was deleted
    assert [stage_at(p, stages) for p in range(5)] == [10, 11, 11, 13, 13]
    assert stage_at(-1, stages) == 10  # before the first current stage: the first one
    assert stage_at(0, []) is None
