"""The morning stand-up digest built from plain aggregate rows: yesterday, the month, the
pipeline, the sellers ranked, the biggest leak, new against current clients.

Money is integer kopecks. Whatever cannot be computed (no plan, no working day passed,
nothing left to cover) is None, which a message shows as "no data", never as NaN.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from bot.domain.calendar import (
    WorkCalendar,
    month_bounds,
    remaining_working_days,
    working_days_in_month,
    working_days_passed,
)
from bot.domain.errors import DomainError
from bot.domain.ids import StageId, UserId
from bot.domain.metrics import round_half_away
from bot.domain.nps import NpsSummary
from bot.domain.periods import day_start
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
from bot.domain.stage_metrics import StageConversion, StageLoss

DEFAULT_COVERAGE_LEVEL = 3.0


class DigestForHeadsError(DomainError):
    """A seller (or a forged button) asked for a head's view of the team."""

    key = "digest.heads_only"


class SellerGoneError(DomainError):
    key = "digest.gone"


@dataclass(frozen=True, slots=True)
class Won:
    count: int = 0
    amount: int = 0

    def __add__(self, other: Won) -> Won:
        return Won(self.count + other.count, self.amount + other.amount)


@dataclass(frozen=True, slots=True)
class SellerFacts:
    """One seller's counts as the database grouped them; absent rows are zeros."""

    seller_id: UserId
    month_won: Won = Won()
    yesterday_won: Won = Won()  # the previous working day and the days off after it
    off_days_won: Won = Won()  # of yesterday_won, what was won on those days off
    today_won: Won = Won()  # today so far, up to the moment the digest was built
    new_deals: int = 0
    stage_moves: int = 0
    tasks_done: int = 0
    open_value: int = 0
    weighted_x100: int = 0  # Σ amount × probability (percent): rounded once, at the team sum
    overdue: int = 0
    without_task: int = 0
    stalled: int = 0
    nps: NpsSummary = field(default_factory=lambda: NpsSummary(0, 0, 0))


@dataclass(frozen=True, slots=True)
class OwnerBreakdown:
    """The team-wide figures of `DigestRows`, per deal owner: a head's digest sums their teams'."""

    won_new: Mapping[UserId, Won]
    won_current: Mapping[UserId, Won]
    losses: Sequence[tuple[UserId, StageLoss]]  # stages in pipeline order
    daily: Sequence[tuple[UserId, date, int]]


@dataclass(frozen=True, slots=True)
class DigestRows:
    """Everything the digest needs from storage, already aggregated."""

    sellers: Sequence[SellerFacts]
    plans: Mapping[UserId, int]  # the month's revenue plan per seller
    won_new: Won
    won_current: Won
    losses: Sequence[StageLoss]  # lost this month, per stage; stages in pipeline order
    daily: Sequence[tuple[date, int]]  # won amount per local day of the month, up to yesterday
    # Who is ranked: the team's sellers, whether or not they did anything (a seller with a
    # plan is ranked too). Figures of others (a head's own deals) count in the team totals.
    roster: frozenset[UserId] = frozenset()
    by_owner: OwnerBreakdown | None = None


def totals(breakdown: OwnerBreakdown, owners: Collection[UserId] | None = None) -> DigestRows:
    """The team-wide figures summed over `owners` (None: everyone); sellers and plans empty."""

    def keep(owner: UserId) -> bool:
        return owners is None or owner in owners

    losses: dict[StageId, StageLoss] = {}  # insertion order: the pipeline order of the rows
    for owner, loss in breakdown.losses:
        if keep(owner):
            was = losses.get(loss.stage_id, StageLoss(loss.stage_id, 0, 0))
            losses[loss.stage_id] = StageLoss(
                loss.stage_id, was.lost_deals + loss.lost_deals, was.lost_amount + loss.lost_amount
            )
    daily: dict[date, int] = {}
    for owner, day, amount in breakdown.daily:
        if keep(owner):
            daily[day] = daily.get(day, 0) + amount
    return DigestRows(
        sellers=[],
        plans={},
        won_new=sum((w for o, w in breakdown.won_new.items() if keep(o)), Won()),
        won_current=sum((w for o, w in breakdown.won_current.items() if keep(o)), Won()),
        losses=list(losses.values()),
        daily=sorted(daily.items()),
    )


def for_owners(rows: DigestRows, owners: frozenset[UserId]) -> DigestRows:
    """The digest's rows narrowed to some owners' (a head's teams): their lines, plans and
    the team-wide figures summed over them alone."""
    if rows.by_owner is None:
        raise ValueError("rows without a per-owner breakdown cannot be narrowed")
    scoped = totals(rows.by_owner, owners)
    return replace(
        scoped,
        sellers=[f for f in rows.sellers if f.seller_id in owners],
        plans={s: p for s, p in rows.plans.items() if s in owners},
        roster=rows.roster & owners,
        by_owner=rows.by_owner,
    )


@dataclass(frozen=True, slots=True)
class Calendar:
    today: date
    weekdays: frozenset[int]
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, today: date, work: WorkCalendar) -> Calendar:
        return cls(today, work.weekdays, work.holidays, work.workdays)

    @property
    def work(self) -> WorkCalendar:
        return WorkCalendar(self.weekdays, self.holidays, self.workdays)

    @property
    def yesterday(self) -> date:
        """DOMAIN.md: '"Yesterday" in the stand-up is the previous working day; sales on days
        off since then are added to it and said so.' Without one in a month back: the day
        before."""
        return self.work.previous(self.today) or self.today - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Yesterday:
    won: Won  # the previous working day's, with the days off since then added
    new_deals: int
    stage_moves: int
    tasks_done: int
    daily_plan: int | None
    percent: float | None  # of the daily plan
    day: date | None = None  # the previous working day
    off_days: int = 0  # days off between it and today, whose sales `won` holds too
    off_won: Won = Won()  # of `won`, what was won on those days off


@dataclass(frozen=True, slots=True)
class MonthStatus:
    fact: int
    plan: int
    percent: float | None
    forecast: int | None
    gap: int | None
    needed_per_day: int | None
    days_passed: int
    days_total: int
    days_left: int


@dataclass(frozen=True, slots=True)
class PipelineStatus:
    open_value: int
    weighted: int
    coverage: PlanCoverage
    level: float

    @property
    def below_level(self) -> bool:
        ratio = self.coverage.ratio
        return ratio is not None and ratio < self.level


@dataclass(frozen=True, slots=True)
class SellerLine:
    facts: SellerFacts
    fact: int
    plan: int
    percent: float | None
    place: int | None
    is_best: bool
    is_worst: bool
    needed_today: int | None  # None without a plan or without a working day left


@dataclass(frozen=True, slots=True)
class Digest:
    day: date
    yesterday: Yesterday
    month: MonthStatus
    pipeline: PipelineStatus
    sellers: list[SellerLine]
    leak: StageLoss | None
    won_new: Won
    won_current: Won
    cumulative: list[tuple[date, int]]
    today_won: Won = Won()  # today so far: what an on-demand digest adds to the fact

    @property
    def is_empty(self) -> bool:
        """Nothing to stand up about: no plan, no seller with any figure."""
        return not self.month.plan and all(_blank(s.facts) for s in self.sellers)


def _blank(f: SellerFacts) -> bool:
    return f == SellerFacts(f.seller_id)


def build_digest(rows: DigestRows, cal: Calendar, level: float = DEFAULT_COVERAGE_LEVEL) -> Digest:
    """The digest for the morning of `cal.today`: the fact counts up to yesterday."""
    days_total = working_days_in_month(cal.today, cal.weekdays, cal.holidays, cal.workdays)
    passed = working_days_passed(
        cal.today, cal.weekdays, cal.holidays, include_today=False, workdays=cal.workdays
    )
    left = remaining_working_days(
        cal.today, cal.weekdays, cal.holidays, include_today=True, workdays=cal.workdays
    )
    facts = {f.seller_id: f for f in rows.sellers}
    for seller_id in rows.plans:
        facts.setdefault(seller_id, SellerFacts(seller_id))
    plan = sum(rows.plans.values())
    fact = sum(f.month_won.amount for f in facts.values())
    forecast = run_rate_forecast(fact, passed, days_total) if days_total else None
    month = MonthStatus(
        fact,
        plan,
        percent_done(fact, plan),
        forecast,
        forecast_gap(plan, forecast) if plan else None,
        needed_per_day(plan, fact, left) if plan else None,
        passed,
        days_total,
        left,
    )
    return Digest(
        day=cal.today,
        yesterday=replace(
            _yesterday(facts.values(), plan, days_total),
            day=cal.yesterday,
            off_days=(cal.today - cal.yesterday).days - 1,
            off_won=sum((f.off_days_won for f in facts.values()), Won()),
        ),
        month=month,
        pipeline=_pipeline(facts.values(), plan, fact, level),
        sellers=_sellers(
            {s: facts.get(s, SellerFacts(s)) for s in rows.roster | set(rows.plans)},
            rows.plans,
            left,
        ),
        leak=biggest_leak(rows.losses),
        won_new=rows.won_new,
        won_current=rows.won_current,
        cumulative=cumulative(rows.daily),
        today_won=sum((f.today_won for f in facts.values()), Won()),
    )


def daily_plan(plan: int, days_total: int) -> int | None:
    """The month's plan spread evenly over its working days; None without either."""
    if not plan or not days_total:
        return None
    return round_half_away(Fraction(plan, days_total))


def _yesterday(sellers: Collection[SellerFacts], plan: int, days_total: int) -> Yesterday:
    won = sum((f.yesterday_won for f in sellers), Won())
    per_day = daily_plan(plan, days_total)
    return Yesterday(
        won,
        sum(f.new_deals for f in sellers),
        sum(f.stage_moves for f in sellers),
        sum(f.tasks_done for f in sellers),
        per_day,
        percent_done(won.amount, per_day) if per_day else None,
    )


def _pipeline(
    sellers: Collection[SellerFacts], plan: int, fact: int, level: float
) -> PipelineStatus:
    weighted = round_half_away(Fraction(sum(f.weighted_x100 for f in sellers), 100))
    return PipelineStatus(
        sum(f.open_value for f in sellers), weighted, coverage(weighted, plan, fact), level
    )


def _sellers(
    facts: Mapping[UserId, SellerFacts], plans: Mapping[UserId, int], left: int
) -> list[SellerLine]:
    ranked = rank_sellers(
        SellerResult(s, f.month_won.amount, plans.get(s, 0)) for s, f in facts.items()
    )
    return [
        SellerLine(
            facts[p.seller_id],
            p.fact,
            p.plan,
            p.percent,
            p.place,
            p.is_best,
            p.is_worst,
            needed_per_day(p.plan, p.fact, left) if p.plan else None,
        )
        for p in ranked
    ]


def biggest_leak(losses: Sequence[StageLoss]) -> StageLoss | None:
    """The stage that lost the most deals; a tie goes to more money, then the earlier stage.

    The same rule as `stage_metrics.biggest_leak`, over losses the database already counted.
    """
    lost = [loss for loss in losses if loss.lost_deals]
    return max(lost, key=lambda loss: (loss.lost_deals, loss.lost_amount), default=None)


def cumulative(daily: Sequence[tuple[date, int]]) -> list[tuple[date, int]]:
    """Running totals of the month's fact, day by day in date order."""
    total, points = 0, []
    for day, amount in sorted(daily):
        total += amount
        points.append((day, total))
    return points


def funnel_reached(
    stage_ids: Sequence[StageId], furthest: Mapping[int | None, int]
) -> list[StageConversion]:
    """Conversions from counts of deals by the furthest stage index they got to.

    `furthest` maps a stage's index in `stage_ids` (None: won, beyond the last stage) to
    the number of deals whose furthest point it is; a deal reached every stage up to it.
    """
    n = len(stage_ids)
    counts = [furthest.get(i, 0) for i in range(n)] + [furthest.get(None, 0)]
    reached = [sum(counts[i:]) for i in range(n + 1)]
    return [StageConversion(s, reached[i], reached[i + 1]) for i, s in enumerate(stage_ids)]


@dataclass(frozen=True, slots=True)
class DigestWindow:
    """The UTC instants the digest's queries cut at, for one morning in the team's zone."""

    month_start: datetime
    today_start: datetime
    yesterday_start: datetime  # the previous working day's start: "yesterday" runs to today
    now: datetime
    day_starts: tuple[tuple[date, datetime], ...]  # each local day of the month before today
    stall_cutoffs: tuple[tuple[StageId, datetime], ...] = ()
    off_start: datetime | None = None  # the days off after "yesterday" (None: today_start)


def digest_window(now: datetime, tz: ZoneInfo, work: WorkCalendar | None = None) -> DigestWindow:
    """Local midnights turned into UTC instants, so every day is cut where the team's is.
    "Yesterday" is the previous working day of `work` with the days off after it (without
    a calendar, the day before)."""
    today = now.astimezone(tz).date()
    first, _ = month_bounds(today)
    days = [first + timedelta(days=k) for k in range((today - first).days)]
    yesterday = today - timedelta(days=1)
    if work is not None:
        yesterday = Calendar.of(today, work).yesterday
    return DigestWindow(
        month_start=day_start(first, tz),
        today_start=day_start(today, tz),
        yesterday_start=day_start(yesterday, tz),
        now=now,
        day_starts=tuple((d, day_start(d, tz)) for d in days),
        off_start=day_start(yesterday + timedelta(days=1), tz),
    )
