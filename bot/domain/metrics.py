"""Deal metrics from plain rows: win rate, average check, cycle, pipeline value, velocity.

Shares are floats in [0, 1]; money is integer kopecks, rounded once at the end, halves
away from zero; durations are days as floats. A metric with nothing to measure is None,
never NaN and never an exception. Rows come from aggregate queries; the funnel's stage
metrics live in `stage_metrics`, plan/fact in `plan_metrics`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from bot.domain.ids import DealId, StageId

_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ClosedDeal:
    """One closing of a deal: won, or lost at a stage (None when the stage is unknown)."""

    deal_id: DealId
    amount: int
    created_at: datetime
    closed_at: datetime
    won: bool
    lost_stage_id: StageId | None = None

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"a deal's amount cannot be negative: {self}")


@dataclass(frozen=True, slots=True)
class OpenDeal:
    """An open deal's amount and its stage's win probability in percent."""

    amount: int
    probability: int

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"a deal's amount cannot be negative: {self}")
        if self.probability not in range(101):
            raise ValueError(f"a probability is a whole percent 0..100: {self}")


@dataclass(frozen=True, slots=True)
class DaysSummary:
    """How long something took over `count` cases: mean and median in days."""

    count: int
    mean_days: float
    median_days: float


def round_half_away(value: Fraction | float) -> int:
    """The nearest whole number, halves away from zero (2.5 → 3, −2.5 → −3), like NPS."""
    # Fraction(float) is the float's exact value, so nothing is rounded twice.
    exact = Fraction(value)
    half = Fraction(1, 2)
    return math.floor(exact + half) if exact >= 0 else -math.floor(half - exact)


def final_closings(closings: Iterable[ClosedDeal]) -> list[ClosedDeal]:
    """Each deal's last closing only.

    A deal lost, reopened and then won was closed twice; it counts once, as it ended.
    Rows from the deals table are already one per deal; rows from the event history are
    not. Of two closings at the same instant the later row wins.
    """
    last: dict[DealId, ClosedDeal] = {}
    for closing in closings:
        kept = last.get(closing.deal_id)
        if kept is None or closing.closed_at >= kept.closed_at:
            last[closing.deal_id] = closing
    return list(last.values())


def closed_between(
    closings: Iterable[ClosedDeal], start: datetime, end: datetime
) -> list[ClosedDeal]:
    """Deals whose last closing falls in [start, end): the period a closed deal belongs to."""
    return [c for c in final_closings(closings) if start <= c.closed_at < end]


def win_rate(closings: Iterable[ClosedDeal]) -> float | None:
    """won / (won + lost) over the deals closed (each counted once, as it last ended)."""
    final = final_closings(closings)
    if not final:
        return None
    return sum(c.won for c in final) / len(final)


def lead_to_sale(created: int, won: int) -> float | None:
    """won / created for a cohort of deals created in a period (won = of those, so far)."""
    if not 0 <= won <= created:
        raise ValueError(f"a cohort's won deals are 0..created, got {won} of {created}")
    return won / created if created else None


def average_check(closings: Iterable[ClosedDeal]) -> int | None:
    """Won amount / number of won deals, in kopecks."""
    won = [c.amount for c in final_closings(closings) if c.won]
    if not won:
        return None
    return round_half_away(Fraction(sum(won), len(won)))


def cycle_length(closings: Iterable[ClosedDeal]) -> DaysSummary | None:
    """Days from creation to closing of the won deals (a clock error's negative is 0)."""
    days = [_days(c.closed_at - c.created_at) for c in final_closings(closings) if c.won]
    return summarize_days(days)


def summarize_days(days: Sequence[float]) -> DaysSummary | None:
    if not days:
        return None
    return DaysSummary(len(days), statistics.fmean(days), statistics.median(days))


def pipeline_value(open_deals: Iterable[OpenDeal]) -> int:
    """Σ open amounts, in kopecks."""
    return sum(d.amount for d in open_deals)


def weighted_pipeline(open_deals: Iterable[OpenDeal]) -> int:
    """Σ amount × stage probability, in kopecks, rounded once rather than per deal."""
    return round_half_away(Fraction(sum(d.amount * d.probability for d in open_deals), 100))


# DOMAIN.md: "with fewer than 5 won deals in the period the velocity is 'not enough data
# yet', never a huge number". The average check and the cycle are means over the won deals:
# below five, one deal is a fifth or more of each mean and the product of three such means
# swings by multiples, so the figure would mislead more than it tells.
MIN_WON_FOR_VELOCITY = 5
# DOMAIN.md: "The cycle counts as at least 1 day" — a deal won a minute after it was
# opened would otherwise divide the pipeline by a minute's fraction of a day.
MIN_CYCLE_DAYS = 1


def sales_velocity(
    open_deals: int,
    average_won: int | None,
    rate: float | None,
    cycle: DaysSummary | None,
) -> int | None:
    """Expected revenue per day in kopecks. DOMAIN.md: "Sales velocity = open deals ×
    average won amount × win rate / average cycle length in days".

    `cycle` is the won deals' cycle (`cycle_length`): its count is the number of won
    deals, its mean the divisor, at least MIN_CYCLE_DAYS. None when a part is missing or
    fewer than MIN_WON_FOR_VELOCITY deals were won: not enough data yet.
    """
    if open_deals < 0:
        raise ValueError(f"open deals cannot be negative: {open_deals}")
    if average_won is None or rate is None or cycle is None:
        return None
    if cycle.count < MIN_WON_FOR_VELOCITY:
        return None
    days = max(Fraction(cycle.mean_days), Fraction(MIN_CYCLE_DAYS))
    return round_half_away(Fraction(open_deals * average_won) * Fraction(rate) / days)


def _days(span: timedelta) -> float:
    return max(span, timedelta(0)) / _DAY
