"""Plan against fact: run-rate forecast, what each remaining day needs, coverage, rankings.

Money is integer kopecks; a plan of 0 means no plan was set. Working days come from
`bot.domain.calendar`, counted by the caller for the team's calendar.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from bot.domain.ids import UserId
from bot.domain.metrics import round_half_away


@dataclass(frozen=True, slots=True)
class PlanCoverage:
    """Weighted pipeline / plan still to be done; None when nothing is left to cover.

    plan_met tells the two reasons apart: the plan is done, or there is no plan at all.
    """

    ratio: float | None
    plan_met: bool


@dataclass(frozen=True, slots=True)
class SellerResult:
    seller_id: UserId
    fact: int
    plan: int

    def __post_init__(self) -> None:
        if self.plan < 0:
            raise ValueError(f"a plan cannot be negative: {self}")


@dataclass(frozen=True, slots=True)
class SellerPlace:
    """A seller's line in the ranking; place and percent are None without a plan."""

    seller_id: UserId
    fact: int
    plan: int
    percent: float | None
    place: int | None
    is_best: bool
    is_worst: bool


def percent_done(fact: int, plan: int) -> float | None:
    """fact / plan in percent; None without a plan (0)."""
    if plan < 0:
        raise ValueError(f"a plan cannot be negative: {plan}")
    return fact * 100 / plan if plan else None


def run_rate_forecast(fact: int, days_passed: int, days_in_month: int) -> int | None:
    """fact / working days passed × working days in the month, in kopecks.

    None before the first working day has passed: there is no pace to extrapolate yet.
    """
    if not 0 <= days_passed <= days_in_month:
        raise ValueError(f"working days passed are 0..{days_in_month}, got {days_passed}")
    if days_passed == 0:
        return None
    return round_half_away(Fraction(fact * days_in_month, days_passed))


def forecast_gap(plan: int, forecast: int | None) -> int | None:
    """plan − forecast: positive is the shortfall the pace leads to, negative the surplus."""
    return None if forecast is None else plan - forecast


def needed_per_day(plan: int, fact: int, days_remaining: int) -> int | None:
    """(plan − fact) / remaining working days, in kopecks, rounded up.

    Rounded up so that doing it every day does meet the plan. 0 once the plan is met
    (or when there is none); None when no working day is left to do it in.
    """
    if days_remaining < 0:
        raise ValueError(f"remaining working days cannot be negative: {days_remaining}")
    if days_remaining == 0:
        return None
    return math.ceil(Fraction(max(plan - fact, 0), days_remaining))


def coverage(weighted: int, plan: int, fact: int) -> PlanCoverage:
    """Weighted pipeline over the plan still to be done this month."""
    if plan < 0:
        raise ValueError(f"a plan cannot be negative: {plan}")
    left = plan - fact
    if plan == 0 or left <= 0:
        return PlanCoverage(None, plan_met=plan > 0)
    return PlanCoverage(weighted / left, plan_met=False)


def rank_sellers(results: Iterable[SellerResult]) -> list[SellerPlace]:
    """Sellers by percent of plan done, best first; sellers without a plan last, by fact.

    Equal percents share a place and the next place skips (1, 1, 3), compared exactly.
    Every seller at the top percent is best and every one at the bottom is worst, but
    only when at least two percents differ: one seller, or all level, is neither.
    """
    results = list(results)
    planned = sorted(
        (r for r in results if r.plan),
        key=lambda r: (-Fraction(r.fact, r.plan), -r.fact, r.seller_id),
    )
    unplanned = sorted((r for r in results if not r.plan), key=lambda r: (-r.fact, r.seller_id))
    shares = [Fraction(r.fact, r.plan) for r in planned]
    marked = len(set(shares)) > 1
    places = [shares.index(share) + 1 for share in shares]
    ranked = [
        SellerPlace(
            r.seller_id,
            r.fact,
            r.plan,
            percent_done(r.fact, r.plan),
            place,
            is_best=marked and share == shares[0],
            is_worst=marked and share == shares[-1],
        )
        for r, share, place in zip(planned, shares, places, strict=True)
    ]
    return ranked + [
        SellerPlace(r.seller_id, r.fact, 0, None, None, False, False) for r in unplanned
    ]
