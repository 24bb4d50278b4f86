"""NPS: answers into groups, the index with its shares, and the team's calendar periods."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from bot.domain.periods import day_start


class NpsGroup(enum.StrEnum):
    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"


def classify(score: int) -> NpsGroup:
    """Promoter 9–10, passive 7–8, detractor 0–6. Raises ValueError for anything else."""
    # `in range` also turns away 9.5, which a comparison would quietly call a promoter.
    if score not in range(11):
        raise ValueError(f"an NPS answer is a whole number 0..10, got {score!r}")
    if score >= 9:
        return NpsGroup.PROMOTER
    if score >= 7:
        return NpsGroup.PASSIVE
    return NpsGroup.DETRACTOR


@dataclass(frozen=True, slots=True)
class NpsSummary:
    """Answer counts per group; every percentage is None when nobody answered."""

    promoters: int
    passives: int
    detractors: int

    def __post_init__(self) -> None:
        if min(self.promoters, self.passives, self.detractors) < 0:
            raise ValueError(f"answer counts cannot be negative: {self}")

    @property
    def total(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        """% promoters − % detractors, from −100 to +100."""
        if self.total == 0:
            return None
        # One division of exact integers: the float is the correctly rounded true value,
        # so it never strays outside ±100 and 5 of 10 promoters is exactly 50.0.
        return (self.promoters - self.detractors) * 100 / self.total

    @property
    def nps_rounded(self) -> int | None:
        score = self.score
        return None if score is None else round_score(score)

    def count(self, group: NpsGroup) -> int:
        return {
            NpsGroup.PROMOTER: self.promoters,
            NpsGroup.PASSIVE: self.passives,
            NpsGroup.DETRACTOR: self.detractors,
        }[group]

    def share(self, group: NpsGroup) -> float | None:
        """The group's percent of all answers."""
        if self.total == 0:
            return None
        return self.count(group) * 100 / self.total

    def response_rate(self, sent: int) -> float | None:
        """Percent of the surveys sent that were answered.

        None when it is no rate: nothing was sent, or there are more answers than surveys,
        which means the two counts are different cohorts (sent on 31 March, answered on
        1 April); a report should say "—" then rather than fail or claim over 100 %.
        """
        if sent < 0:
            raise ValueError(f"surveys sent cannot be negative: {sent}")
        if sent == 0 or self.total > sent:
            return None
        return self.total * 100 / sent


def summarize(scores: Iterable[int]) -> NpsSummary:
    """Count raw 0..10 answers. Raises ValueError on an answer outside 0..10."""
    counts = dict.fromkeys(NpsGroup, 0)
    for score in scores:
        counts[classify(score)] += 1
    return from_counts(
        counts[NpsGroup.PROMOTER], counts[NpsGroup.PASSIVE], counts[NpsGroup.DETRACTOR]
    )


def from_counts(promoters: int, passives: int, detractors: int) -> NpsSummary:
    """A summary from counts a database has already grouped."""
    return NpsSummary(promoters=promoters, passives=passives, detractors=detractors)


def round_score(score: float) -> int:
    """The whole NPS a person sees: halves go away from zero (12.5 → 13, −12.5 → −13).

    Python's round() would send 12.5 to 12 and 13.5 to 14; people reading a report expect
    neither. Decimal(score) is the float's exact value, so nothing is rounded twice.
    """
    return int(Decimal(score).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# Cut points for reading(), from DOMAIN.md's orientation (5–10 low, about 45 good, 50–80 a
# market leader). 30 splits the unnamed gap between "low" and "about 45" so that "good"
# means within reach of 45; 50 is where "leader" starts. They apply to the score as shown
# (rounded), so a chart saying "50" is never called merely "good".
GOOD_FROM = 30
LEADER_FROM = 50


def reading(score: float | None) -> str:
    """An i18n key suffix for how the score reads: none, negative, low, good, leader."""
    if score is None:
        return "none"
    shown = round_score(score)
    if shown < 0:
        return "negative"
    if shown < GOOD_FROM:
        return "low"
    if shown < LEADER_FROM:
        return "good"
    return "leader"


class Period(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_PERIOD_MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}


def period_bounds(period: Period, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) of the current team-calendar period, in UTC."""
    month = month_key(now, tz)
    months = _PERIOD_MONTHS[period]
    first = month.replace(month=(month.month - 1) // months * months + 1)
    return day_start(first, tz), day_start(_add_months(first, months), tz)


def month_starts(start: datetime, end: datetime, tz: ZoneInfo) -> list[date]:
    """First days of the team-calendar months that overlap [start, end), oldest first."""
    if end.tzinfo is None:
        raise ValueError("end must be an aware datetime")
    months: list[date] = []
    month = month_key(start, tz)
    while day_start(month, tz) < end:
        months.append(month)
        month = _add_months(month, 1)
    return months


def month_key(moment: datetime, tz: ZoneInfo) -> date:
    """The first day of the team-calendar month the moment falls in."""
    if moment.tzinfo is None:
        # A naive time would be read in the server's zone, not the team's.
        raise ValueError("moment must be an aware datetime")
    return moment.astimezone(tz).date().replace(day=1)


def _add_months(first: date, months: int) -> date:
    year, month0 = divmod(first.month - 1 + months, 12)
    return date(first.year + year, month0 + 1, 1)
