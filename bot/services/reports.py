"""On-demand reports: sales in a period (/report) and a pipeline's funnel (/funnel).

Heads and admins see the team; a seller sees their own deals only, whatever cut they ask
for. Every figure comes from aggregate queries, a fixed number of them per report.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.access import in_scope, is_manager, is_staff
from bot.domain.analytics import EVERY_DEAL, Cut
from bot.domain.calendar import month_bounds
from bot.domain.comparison import (
    LostReasons,
    SellerRow,
    fold_reasons,
    period_plan,
    previous_days,
    seller_rows,
)
from bot.domain.errors import AccessDeniedError, PipelineNotFoundError
from bot.domain.ids import PipelineId, UserId
from bot.domain.metrics import (
    ClosedDeal,
    DaysSummary,
    average_check,
    cycle_length,
    lead_to_sale,
    pipeline_value,
    sales_velocity,
    weighted_pipeline,
    win_rate,
)
from bot.domain.models import Pipeline, Role, Stage, User
from bot.domain.periods import ReportPeriod, days_bounds, parse_range, period_days
from bot.domain.stage_metrics import (
    FunnelDeal,
    StageLoss,
    biggest_leak,
    stage_conversions,
    stage_durations,
)
from bot.services.reports_ports import ReportStore
from bot.services.scope import owner_scope_of

LOST_REASONS_SHOWN = 5
DEFAULT_WEEKDAYS = frozenset({1, 2, 3, 4, 5})
UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Window:
    """A report's days in the team's calendar, first and last inclusive, and its UTC bounds."""

    first: date
    last: date
    start: datetime
    end: datetime


def window_of(period: ReportPeriod, now: datetime, tz: ZoneInfo) -> Window:
    first, last = period_days(period, now, tz)
    return Window(first, last, *days_bounds(first, last, tz))


def typed_window(text: str, now: datetime, tz: ZoneInfo) -> Window:
    """A range a person typed; RangeError says what was wrong with it."""
    first, last = parse_range(text, now.astimezone(tz).date())
    return Window(first, last, *days_bounds(first, last, tz))


@dataclass(frozen=True, slots=True)
class Figures:
    """Closings of the period and the cohort created in it, for one slice of deals."""

    created: int
    won: int
    won_amount: int
    lost: int
    lost_amount: int
    win_rate: float | None
    average_check: int | None
    cycle: DaysSummary | None
    lead_to_sale: float | None

    @property
    def closed(self) -> int:
        return self.won + self.lost


@dataclass(frozen=True, slots=True)
class Pipe:
    """Open deals now: how many, their value, weighted, and the expected revenue a day."""

    deals: int
    value: int
    weighted: int
    velocity: int | None


@dataclass(frozen=True, slots=True)
class SalesReport:
    window: Window
    whole_team: bool
    total: Figures
    new_clients: Figures
    current_clients: Figures
    pipe: Pipe
    reasons: LostReasons
    before: Before | None = None  # the period before of the same length
    sellers: list[SellerRow] = field(default_factory=list)  # a head's team, seller by seller
    names: dict[UserId, str] = field(default_factory=dict)  # the sellers' names


@dataclass(frozen=True, slots=True)
class Before:
    """The period a report is compared with, and its figures."""

    window: Window
    total: Figures


@dataclass(frozen=True, slots=True)
class StageLine:
    stage: Stage
    reached: int
    passed: int
    rate: float | None
    median_days: float | None


@dataclass(frozen=True, slots=True)
class FunnelReport:
    window: Window
    pipeline: Pipeline
    cut: Cut
    lines: list[StageLine]
    won: int
    figures: Figures
    pipe: Pipe
    leak: StageLoss | None

    @property
    def leak_stage(self) -> Stage | None:
        return self.pipeline.stage(self.leak.stage_id) if self.leak else None


def scoped(actor: User, cut: Cut = EVERY_DEAL) -> Cut:
    """The cut an actor may see: a seller only their own deals; a client nothing."""
    if not is_staff(actor):
        raise AccessDeniedError()
    if is_manager(actor):
        return cut
    if cut.owner_id not in (None, actor.id):
        raise AccessDeniedError()
    return replace(cut, owner_id=actor.id)


def scoped_to_teams(actor: User, cut: Cut = EVERY_DEAL) -> Cut:
    """`scoped`, and for a head only the deals of the people they manage (their teams' when
    they lead some; the database applies it, no extra query). A cut by a seller of another
    team finds nothing (its button is not offered)."""
    cut = scoped(actor, cut)
    return replace(cut, managed_by=actor.id) if actor.role is Role.HEAD else cut


async def figures(uow: ReportStore, window: Window, cut: Cut) -> Figures:
    """Two queries: the period's closings and its cohort of created deals."""
    closings = await uow.analytics.closings(window.start, window.end, cut)
    return await _figures(uow, window, cut, closings)


async def _figures(
    uow: ReportStore, window: Window, cut: Cut, closings: list[ClosedDeal]
) -> Figures:
    cohort = await uow.analytics.cohort(window.start, window.end, cut)
    won = [c for c in closings if c.won]
    lost = [c for c in closings if not c.won]
    return Figures(
        created=cohort.created,
        won=len(won),
        won_amount=sum(c.amount for c in won),
        lost=len(lost),
        lost_amount=sum(c.amount for c in lost),
        win_rate=win_rate(closings),
        average_check=average_check(closings),
        cycle=cycle_length(closings),
        lead_to_sale=lead_to_sale(cohort.created, cohort.won),
    )


async def pipe(uow: ReportStore, cut: Cut, seen: Figures) -> Pipe:
    """Open deals now, and sales velocity with the period's check, win rate and cycle."""
    opened = await uow.analytics.open_pipeline(cut)
    return Pipe(
        deals=opened.deals,
        value=pipeline_value(opened.by_probability),
        weighted=weighted_pipeline(opened.by_probability),
        velocity=sales_velocity(opened.deals, seen.average_check, seen.win_rate, seen.cycle),
    )


async def sales_report(
    uow: ReportStore,
    actor: User,
    window: Window,
    *,
    tz: ZoneInfo = UTC_ZONE,
    weekdays: frozenset[int] = DEFAULT_WEEKDAYS,
    holidays: frozenset[date] = frozenset(),
    workdays: frozenset[date] = frozenset(),
) -> SalesReport:
    """The period's sales, new and current clients apart, why deals were lost (every
    reason: the rest as one line), the period before, and for a head each seller's line."""
    cut = scoped_to_teams(actor)
    total = await figures(uow, window, cut)
    before = previous_window(window, tz)
    report = SalesReport(
        window=window,
        whole_team=cut.owner_id is None,
        total=total,
        new_clients=await figures(uow, window, replace(cut, is_new_client=True)),
        current_clients=await figures(uow, window, replace(cut, is_new_client=False)),
        pipe=await pipe(uow, cut, total),
        reasons=fold_reasons(
            await uow.analytics.lost_reasons(window.start, window.end, cut, limit=None),
            LOST_REASONS_SHOWN,
        ),
        before=Before(before, await figures(uow, before, cut)),
    )
    if not report.whole_team:
        return report
    days = (weekdays, holidays, workdays)
    rows = await _seller_rows(uow, actor, cut, window, before, days)
    names = await uow.users.names([r.totals.seller_id for r in rows])
    return replace(report, sellers=rows, names=names)


def previous_window(window: Window, tz: ZoneInfo) -> Window:
    """The period a report is compared with (`comparison.previous_days`)."""
    first, last = previous_days(window.first, window.last)
    return Window(first, last, *days_bounds(first, last, tz))


async def _seller_rows(
    uow: ReportStore,
    actor: User,
    cut: Cut,
    window: Window,
    before: Window,
    days: tuple[frozenset[int], frozenset[date], frozenset[date]],
) -> list[SellerRow]:
    """Each seller of the head's teams (every seller for an admin): three queries."""
    scope = await owner_scope_of(uow, actor)
    sellers = [
        u.id
        for u in await uow.users.list_staff()
        if u.is_active and u.role is Role.SELLER and in_scope(scope, u.id)
    ]
    now = await uow.analytics.seller_totals(window.start, window.end, cut)
    then = await uow.analytics.seller_totals(before.start, before.end, cut)
    months: dict[UserId, dict[date, int]] = {}
    after = month_bounds(window.last)[1]
    for plan in await uow.plans.between(window.first.replace(day=1), after):
        months.setdefault(plan.seller_id, {})[plan.month] = plan.revenue
    plans = {
        seller: period_plan(window.first, window.last, by_month, *days)
        for seller, by_month in months.items()
    }
    return seller_rows(now, then, sellers, plans)


async def funnel_report(
    uow: ReportStore,
    actor: User,
    pipeline_id: PipelineId,
    window: Window,
    now: datetime,
    cut: Cut = EVERY_DEAL,
) -> FunnelReport:
    """The pipeline's deals created in the period, stage by stage, under one cut."""
    cut = replace(scoped_to_teams(actor, cut), pipeline_id=pipeline_id)
    pipeline = await uow.pipelines.get(pipeline_id)
    if pipeline is None or not pipeline.stages:
        raise PipelineNotFoundError()
    stages = sorted(pipeline.stages, key=lambda s: s.position)
    ids = [s.id for s in stages]
    counts = await uow.analytics.funnel(pipeline_id, window.start, window.end, cut)
    deals = [d for c in counts for d in [FunnelDeal(frozenset({c.stage_id}), c.won)] * c.deals]
    stays = await uow.analytics.stage_stays(pipeline_id, window.start, window.end, cut)
    durations = stage_durations(stays, now)
    closings = await uow.analytics.closings(window.start, window.end, cut)
    seen = await _figures(uow, window, cut, closings)
    lines = [
        StageLine(
            stage,
            conv.reached,
            conv.passed,
            conv.rate,
            durations[stage.id].median_days if stage.id in durations else None,
        )
        for stage, conv in zip(stages, stage_conversions(ids, deals), strict=True)
    ]
    return FunnelReport(
        window=window,
        pipeline=pipeline,
        cut=cut,
        lines=lines,
        won=sum(c.deals for c in counts if c.won),
        figures=seen,
        pipe=await pipe(uow, cut, seen),
        leak=biggest_leak(ids, closings),
    )


async def funnel_choices(uow: ReportStore, actor: User) -> list[Pipeline]:
    """The pipelines a funnel can be shown for."""
    scoped(actor)
    return await uow.pipelines.list_active()


async def cut_options(uow: ReportStore, actor: User, kind: str) -> list[tuple[int, str]]:
    """The values a head can cut by: sellers (id, name) or products and regions (index, name)."""
    if scoped(actor).owner_id is not None and kind == "seller":
        raise AccessDeniedError()
    if kind == "seller":
        scope = await owner_scope_of(uow, actor)
        return [
            (u.id, u.name)
            for u in await uow.users.list_staff()
            if u.is_active and in_scope(scope, u.id)
        ]
    return list(enumerate(await uow.analytics.cut_values(kind)))
