"""A seller's monthly plan: revenue in kopecks and, optionally, won deals, meetings, proposals.

A month is named by its first day. Fact is computed elsewhere (won amounts by the date won);
a plan only says what was promised, and rejects what no sales team could mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.ids import UserId

# A month's plan for one seller above 100 billion roubles is a typo, not an ambition.
MAX_REVENUE = 100_000_000_000 * 100
MAX_COUNT = 100_000


@dataclass(frozen=True, slots=True)
class Plan:
    seller_id: UserId
    month: date
    revenue: int
    won_deals: int | None = None
    meetings: int | None = None
    proposals: int | None = None

    def __post_init__(self) -> None:
        if self.month.day != 1:
            raise ValueError(f"a plan's month is named by its first day: {self.month}")
        if not 0 <= self.revenue <= MAX_REVENUE:
            raise ValueError(f"a plan's revenue is 0..{MAX_REVENUE}: {self.revenue}")
        for count in (self.won_deals, self.meetings, self.proposals):
            if count is not None and not 0 <= count <= MAX_COUNT:
                raise ValueError(f"a plan's count is 0..{MAX_COUNT}: {count}")


def month_of(day: date) -> date:
    return day.replace(day=1)


def previous_month(month: date) -> date:
    first = month.replace(day=1)
    return date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)


# How far from the current month a plan may be set: last year's months can still be
# corrected, planning ahead is useful for a quarter; a month beyond is a forged button.
MONTHS_BACK = 12
MONTHS_AHEAD = 3


def add_months(month: date, n: int) -> date:
    return month_from_index(month_index(month) + n)


def next_month(month: date) -> date:
    return add_months(month, 1)


def month_index(month: date) -> int:
    """Months since year 0: a compact, always valid number for callback data."""
    return month.year * 12 + month.month - 1


def month_from_index(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def plannable(month: date, current: date) -> bool:
    """Whether a plan for `month` may be set while `current` is the team's month."""
    distance = month_index(month) - month_index(current)
    return -MONTHS_BACK <= distance <= MONTHS_AHEAD


class CountError(ValueError):
    """Typed text that is not a whole number from 0 to MAX_COUNT."""


def parse_count(text: str) -> int:
    """A whole number of deals, meetings or proposals typed by a head. Raises CountError."""
    cleaned = "".join(text.split())
    if not cleaned.isascii() or not cleaned.isdigit() or int(cleaned[:7]) > MAX_COUNT:
        raise CountError(text)
    return int(cleaned)


def describe(plan: Plan) -> str:
    """A language-neutral line for the audit log: revenue in roubles, then the counts."""
    rubles, kopecks = divmod(plan.revenue, 100)
    parts = [f"{rubles}.{kopecks:02d}" if kopecks else str(rubles)]
    counts = (("won", plan.won_deals), ("meetings", plan.meetings), ("proposals", plan.proposals))
    parts += [f"{name} {count}" for name, count in counts if count is not None]
    return "; ".join(parts)
