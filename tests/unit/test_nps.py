"""NPS: groups, the index against hand-counted tables, its reading, and the team's periods."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.nps import (
    NpsGroup,
    NpsSummary,
    Period,
    classify,
    from_counts,
    month_key,
    month_starts,
    period_bounds,
    reading,
    round_score,
    summarize,
)

MOSCOW = ZoneInfo("Europe/Moscow")
P, N, D = NpsGroup.PROMOTER, NpsGroup.PASSIVE, NpsGroup.DETRACTOR


def moscow(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Moscow wall time as the UTC instant the database stores."""
    return datetime(year, month, day, hour, minute, tzinfo=MOSCOW).astimezone(UTC)


@pytest.mark.parametrize(
    ("score", "group"),
    [(0, D), (6, D), (7, N), (8, N), (9, P), (10, P)],
)
def test_answers_fall_into_groups_at_the_published_boundaries(score: int, group: NpsGroup) -> None:
    assert classify(score) is group


@pytest.mark.parametrize("score", [-1, 11, 100])
def test_an_answer_outside_zero_to_ten_is_refused(score: int) -> None:
    with pytest.raises(ValueError, match=r"0\.\.10"):
        classify(score)


def test_a_fractional_answer_is_refused_not_rounded_into_a_group() -> None:
    with pytest.raises(ValueError, match="whole number"):
        classify(9.5)  # type: ignore[arg-type]


# Counted by hand: (answers, promoters, passives, detractors, NPS, rounded NPS).
TABLE = [
    ([10, 9, 10, 9, 9, 8, 7, 8, 3, 6], 5, 3, 2, 30.0, 30),
    ([7, 8, 7, 8], 0, 4, 0, 0.0, 0),
    ([0, 6, 3], 0, 0, 3, -100.0, -100),
    ([9, 10], 2, 0, 0, 100.0, 100),
    ([9], 1, 0, 0, 100.0, 100),
    ([7], 0, 1, 0, 0.0, 0),
    ([6], 0, 0, 1, -100.0, -100),
    ([10, 2, 5], 1, 0, 2, -100 / 3, -33),
    ([9, 10, 0], 2, 0, 1, 100 / 3, 33),
    ([10, 10, 9, 7, 7, 8, 8, 1], 3, 4, 1, 25.0, 25),
    ([10, 7, 7, 7, 7, 7, 7, 7], 1, 7, 0, 12.5, 13),  # a half rounds away from zero
    ([0, 7, 7, 7, 7, 7, 7, 7], 0, 7, 1, -12.5, -13),
]


@pytest.mark.parametrize(("answers", "p", "n", "d", "nps", "shown"), TABLE)
def test_nps_matches_the_hand_counted_table(
    answers: list[int], p: int, n: int, d: int, nps: float, shown: int
) -> None:
    summary = summarize(answers)
    assert (summary.promoters, summary.passives, summary.detractors) == (p, n, d)
    assert summary.total == len(answers)
    assert summary.score == pytest.approx(nps)
    assert summary.nps_rounded == shown


def test_one_promoter_and_two_detractors_make_minus_a_third() -> None:
    summary = summarize([10, 0, 6])
    assert summary.score == pytest.approx(-33.333333)
    assert summary.share(P) == pytest.approx(33.333333)
    assert summary.share(D) == pytest.approx(66.666667)
    assert summary.share(N) == 0.0


def test_shares_are_percent_of_all_answers() -> None:
    summary = from_counts(5, 3, 2)
    assert (summary.share(P), summary.share(N), summary.share(D)) == (50.0, 30.0, 20.0)


def test_no_answers_give_no_score_rather_than_a_zero_or_a_nan() -> None:
    summary = summarize([])
    assert summary.total == 0
    assert summary.score is None
    assert summary.nps_rounded is None
    assert all(summary.share(group) is None for group in NpsGroup)
    assert summary == NpsSummary(0, 0, 0)


def test_response_rate_is_answers_over_surveys_sent() -> None:
    summary = from_counts(2, 1, 1)
    assert summary.response_rate(10) == 40.0
    assert summary.response_rate(4) == 100.0
    assert from_counts(0, 0, 0).response_rate(0) is None
    assert from_counts(0, 0, 0).response_rate(5) == 0.0


def test_more_answers_than_surveys_is_no_rate_rather_than_over_a_hundred() -> None:
    # Answers counted by answer time and surveys by send time differ at a month's edge.
    assert from_counts(2, 1, 1).response_rate(3) is None
    with pytest.raises(ValueError, match="negative"):
        from_counts(2, 1, 1).response_rate(-1)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        from_counts(1, -1, 0)


@pytest.mark.parametrize(
    ("score", "key"),
    [
        (None, "none"),
        (-100.0, "negative"),
        (-0.6, "negative"),
        (-0.4, "low"),  # shown as 0
        (0.0, "low"),
        (7.0, "low"),
        (29.4, "low"),
        (29.5, "good"),  # shown as 30
        (45.0, "good"),
        (49.4, "good"),
        (49.5, "leader"),  # shown as 50
        (80.0, "leader"),
        (100.0, "leader"),
    ],
)
def test_the_score_reads_as_the_shown_number_suggests(score: float | None, key: str) -> None:
    assert reading(score) == key


def test_rounding_sends_halves_away_from_zero() -> None:
    assert [round_score(x) for x in (0.5, 1.5, 2.5, -0.5, -2.5, 33.49)] == [1, 2, 3, -1, -3, 33]


answer_lists = st.lists(st.integers(min_value=0, max_value=10), max_size=300)


@given(answer_lists)
def test_nps_is_promoters_minus_detractors_over_answers_within_bounds(answers: list[int]) -> None:
    summary = summarize(answers)
    promoters = sum(a >= 9 for a in answers)
    detractors = sum(a <= 6 for a in answers)
    if not answers:
        assert summary.score is None
        return
    assert summary.score is not None
    assert -100 <= summary.score <= 100
    assert summary.score == pytest.approx((promoters - detractors) / len(answers) * 100)
    shares = [summary.share(group) for group in NpsGroup]
    assert sum(s for s in shares if s is not None) == pytest.approx(100)


@given(answer_lists)
def test_counts_from_the_database_give_the_same_summary(answers: list[int]) -> None:
    summary = summarize(answers)
    again = from_counts(summary.promoters, summary.passives, summary.detractors)
    assert again == summary
    assert again.score == summary.score


@given(
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
)
def test_nps_stays_within_bounds_for_any_counts(p: int, n: int, d: int) -> None:
    score = from_counts(p, n, d).score
    assert score is None or -100 <= score <= 100


def test_late_evening_utc_on_the_last_of_march_is_already_april_in_moscow() -> None:
    now = datetime(2026, 3, 31, 21, 30, tzinfo=UTC)  # 2026-04-01 00:30 in Moscow
    assert period_bounds(Period.MONTH, now, MOSCOW) == (moscow(2026, 4, 1), moscow(2026, 5, 1))
    assert period_bounds(Period.QUARTER, now, MOSCOW) == (moscow(2026, 4, 1), moscow(2026, 7, 1))
    assert period_bounds(Period.YEAR, now, MOSCOW) == (moscow(2026, 1, 1), moscow(2027, 1, 1))
    assert month_key(now, MOSCOW) == date(2026, 4, 1)


def test_a_minute_before_moscow_midnight_is_still_march() -> None:
    now = moscow(2026, 3, 31, 23, 59)
    assert period_bounds(Period.MONTH, now, MOSCOW) == (moscow(2026, 3, 1), moscow(2026, 4, 1))
    assert period_bounds(Period.QUARTER, now, MOSCOW) == (moscow(2026, 1, 1), moscow(2026, 4, 1))


def test_the_new_year_starts_at_moscow_midnight() -> None:
    now = moscow(2027, 1, 1, 0, 0)
    assert now == datetime(2026, 12, 31, 21, 0, tzinfo=UTC)
    assert period_bounds(Period.YEAR, now, MOSCOW) == (moscow(2027, 1, 1), moscow(2028, 1, 1))
    assert period_bounds(Period.QUARTER, now, MOSCOW) == (moscow(2027, 1, 1), moscow(2027, 4, 1))
    before = moscow(2026, 12, 31, 23, 59)
    assert period_bounds(Period.QUARTER, before, MOSCOW) == (
        moscow(2026, 10, 1),
        moscow(2027, 1, 1),
    )


def test_period_bounds_are_utc() -> None:
    start, end = period_bounds(Period.MONTH, datetime(2026, 6, 15, tzinfo=UTC), MOSCOW)
    assert start.tzinfo is UTC and end.tzinfo is UTC
    assert start == datetime(2026, 5, 31, 21, 0, tzinfo=UTC)


def test_naive_times_are_refused_because_their_zone_is_a_guess() -> None:
    with pytest.raises(ValueError, match="aware"):
        period_bounds(Period.MONTH, datetime(2026, 6, 15), MOSCOW)
    with pytest.raises(ValueError, match="aware"):
        month_starts(moscow(2026, 1, 1), datetime(2026, 6, 1), MOSCOW)


def test_month_starts_cross_the_new_year() -> None:
    months = month_starts(moscow(2025, 11, 1), moscow(2026, 3, 1), MOSCOW)
    assert months == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


def test_month_starts_cover_a_year_period_and_partial_months() -> None:
    start, end = period_bounds(Period.YEAR, moscow(2026, 7, 7), MOSCOW)
    assert month_starts(start, end, MOSCOW) == [date(2026, m, 1) for m in range(1, 13)]
    # A range that starts mid-month and ends a minute into a month touches both.
    assert month_starts(moscow(2026, 1, 20), moscow(2026, 3, 1, 0, 1), MOSCOW) == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    assert month_starts(moscow(2026, 3, 1), moscow(2026, 3, 1), MOSCOW) == []


ZONES = [MOSCOW, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe")]


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    st.sampled_from(list(Period)),
    st.sampled_from(ZONES),
)
def test_the_current_period_holds_now_and_starts_on_a_local_first(
    now_naive: datetime, period: Period, tz: ZoneInfo
) -> None:
    now = now_naive.replace(tzinfo=UTC)
    start, end = period_bounds(period, now, tz)
    assert start <= now < end
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    assert (local_start.day, local_start.hour, local_start.minute) == (1, 0, 0)
    assert (local_end.day, local_end.hour, local_end.minute) == (1, 0, 0)
    months = month_starts(start, end, tz)
    assert len(months) == {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}[period]
    assert month_key(now, tz) in months
