"""What a head compares in /report: the period before of the same length, each seller's
compact line against their plan, and the lost reasons summed completely.

Money is integer kopecks; shares are floats in [0, 1]; a change with nothing to compare
with is None ("—"), never an infinite percent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from bot.domain.analytics import ReasonTotal
from bot.domain.calendar import month_bounds, working_days
from bot.domain.ids import UserId
from bot.domain.metrics import round_half_away

_WEEK = 7


def previous_days(first: date, last: date) -> tuple[date, date]:
    """The period before [first, last] (inclusive) that a head compares it with.

    A month so far (from the 1st) against the same days of the month before, the days
    clamped to its length (1–30 November against 1–30 October; 1–31 March against all of
    February); a week so far (from a Monday) against the same weekdays of the week before;
    any other range against as many days right before it.
    """
    if last < first:
        raise ValueError(f"a period ends on or after its first day: {first} > {last}")
    length = (last - first).days + 1
    if first.day == 1 and month_bounds(first) == month_bounds(last):
        month_end = first - timedelta(days=1)
        return month_end.replace(day=1), month_end.replace(day=min(last.day, month_end.day))
    if first.isoweekday() == 1 and length <= _WEEK:
        return first - timedelta(days=_WEEK), last - timedelta(days=_WEEK)
    return first - timedelta(days=length), first - timedelta(days=1)


def change(now: int | float | None, before: int | float | None) -> float | None:
    """(now − before) / before as a share; None when there is nothing to compare with."""
    if now is None or before is None or before == 0:
        return None
    return (now - before) / before


def points(now: float | None, before: float | None) -> float | None:
    """The change of a share in percentage points (0.50 → 0.75 is +25)."""
    if now is None or before is None:
        return None
    return (now - before) * 100


@dataclass(frozen=True, slots=True)
class SellerTotals:
    """One seller's closings in a period, as the database grouped them."""

    seller_id: UserId
    won: int = 0
    won_amount: int = 0
    lost: int = 0

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None

    @property
    def average_check(self) -> int | None:
        return round_half_away(Fraction(self.won_amount, self.won)) if self.won else None


@dataclass(frozen=True, slots=True)
class SellerRow:
    """A seller's compact line: the period, its plan share, and the amount's change."""

    totals: SellerTotals
    plan: int | None  # the plan for the period's days; None without a plan
    amount_change: float | None

    @property
    def plan_share(self) -> float | None:
        return self.totals.won_amount / self.plan if self.plan else None


def period_plan(
    first: date,
    last: date,
    month_plans: Mapping[date, int],
    weekdays: frozenset[int],
    holidays: frozenset[date] = frozenset(),
    workdays: frozenset[date] = frozenset(),
) -> int | None:
    """A seller's plan for [first, last]: each month's plan × the share of its working days
    that fall in the period (the whole month's plan for the whole month). None without one.
    Working days as the team's calendar counts them: holidays off, moved working days on."""
    total, planned = Fraction(0), False
    month = first.replace(day=1)
    while month <= last:
        start, end = month_bounds(month)
        plan = month_plans.get(month, 0)
        in_month = working_days(start, end, weekdays, holidays, workdays)
        if plan and in_month:
            planned = True
            covered = working_days(
                max(start, first), min(end, last + timedelta(days=1)), weekdays, holidays, workdays
            )
            total += Fraction(plan * covered, in_month)
        month = end
    return round_half_away(total) if planned else None


def seller_rows(
    now: Iterable[SellerTotals],
    before: Iterable[SellerTotals],
    sellers: Sequence[UserId],
    plans: Mapping[UserId, int | None],
) -> list[SellerRow]:
    """A line for each of `sellers` (zeros when they closed nothing) and for anyone else who
    closed deals in the period; most won amount first."""
    this = {t.seller_id: t for t in now}
    last = {t.seller_id: t for t in before}
    ids = list(dict.fromkeys([*sellers, *this]))
    rows = [
        SellerRow(
            this.get(i, SellerTotals(i)),
            plans.get(i),
            change(
                this.get(i, SellerTotals(i)).won_amount, last.get(i, SellerTotals(i)).won_amount
            ),
        )
        for i in ids
    ]
    return sorted(rows, key=lambda r: -r.totals.won_amount)


@dataclass(frozen=True, slots=True)
class LostReasons:
    """The largest reasons by name and the rest as one "other" line: together, every lost
    deal of the period and its amount (DOMAIN.md: lost reasons are reported completely)."""

    named: list[ReasonTotal]
    other_deals: int = 0
    other_amount: int = 0

    @property
    def deals(self) -> int:
        return sum(r.deals for r in self.named) + self.other_deals

    @property
    def amount(self) -> int:
        return sum(r.amount for r in self.named) + self.other_amount


def fold_reasons(rows: Iterable[ReasonTotal], shown: int) -> LostReasons:
    """The `shown` reasons with most deals (then most money) by name, the rest summed."""
    ordered = sorted(rows, key=lambda r: (-r.deals, -r.amount, r.reason or ""))
    rest = ordered[shown:]
    return LostReasons(ordered[:shown], sum(r.deals for r in rest), sum(r.amount for r in rest))
