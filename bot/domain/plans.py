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
