"""The morning stand-up digest: its figures for the team, and the lists its buttons open."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from bot.domain.access import in_scope, is_manager, is_staff
from bot.domain.calendar import WorkCalendar
from bot.domain.company import CompanySettings
from bot.domain.deals import stall_cutoffs
from bot.domain.digest import (
    Calendar,
    Digest,
    DigestForHeadsError,
    DigestRows,
    DigestWindow,
    SellerGoneError,
    build_digest,
    digest_window,
    for_owners,
    funnel_reached,
)
from bot.domain.ids import (
    PipelineId,
    StageId,
    UserId,
)
from bot.domain.models import (
    Pipeline,
    Role,
    User,
)
from bot.domain.plans import month_of
from bot.domain.stage_metrics import StageConversion, stage_at
from bot.domain.tasks import Task
from bot.services.calendar import team_calendar
from bot.services.deals import DealPage, list_deals
from bot.services.ports import UnitOfWork
from bot.services.scope import owner_scope_of

OVERDUE_SHOWN = 30


class DigestRepo(Protocol):
    async def rows(self, window: DigestWindow, plans: dict[UserId, int]) -> DigestRows:
        """Every figure of the morning digest, in a fixed number of aggregate queries."""
        ...

    async def funnel(self, start: datetime, end: datetime) -> list[tuple[PipelineId, int, int]]:
        """(pipeline, furthest stage position, deals) for deals created in [start, end);
        position -1 is won."""
        ...


@dataclass(frozen=True, slots=True)
class Funnel:
    pipeline: Pipeline
    conversions: list[StageConversion]
    won: int


@dataclass(frozen=True, slots=True)
class DigestReport:
    """The digest with the names it needs to be read: sellers, the leak's stage, the funnel."""

    digest: Digest
    names: dict[UserId, str]
    stage_names: dict[StageId, str]
    funnel: Funnel | None
    currency: str
    basis: DigestBasis | None = None  # what the digest was built from, to narrow it to teams


@dataclass(frozen=True, slots=True)
class DigestBasis:
    rows: DigestRows
    calendar: Calendar
    level: float


def digest_due(
    now: datetime, company: CompanySettings, work: WorkCalendar | None = None
) -> date | None:
    """The team day whose digest is due now: a working day (of `work`, the team calendar;
    without it, a working weekday), from the digest time to its end."""
    local = now.astimezone(company.tz)
    cal = work or WorkCalendar(company.working_days)
    if not cal.is_working(local.date()):
        return None
    if not company.digest_at <= local.time() < company.working_hours[1]:
        return None
    return local.date()


async def team_digest(uow: UnitOfWork, now: datetime, company: CompanySettings) -> DigestReport:
    """The figures of this morning for the whole team (the job's view; no access check)."""
    pipelines = await uow.pipelines.list_active()
    stages = [s for p in pipelines for s in p.stages]
    work = await team_calendar(uow, company, now.astimezone(company.tz).date())
    window = replace(
        digest_window(now, company.tz, work), stall_cutoffs=tuple(stall_cutoffs(stages, now))
    )
    today = window.today_start.astimezone(company.tz).date()
    plans = {p.seller_id: p.revenue for p in await uow.plans.for_month(month_of(today))}
    rows = await uow.digest.rows(window, plans)
    staff = await uow.users.list_staff()
    roster = frozenset(u.id for u in staff if u.is_active and u.role is Role.SELLER)
    basis = DigestBasis(
        replace(rows, roster=roster),
        Calendar.of(today, work),
        company.coverage_level,
    )
    digest = build_digest(basis.rows, basis.calendar, basis.level)
    names = {u.id: u.name for u in staff}
    missing = [s.facts.seller_id for s in digest.sellers if s.facts.seller_id not in names]
    names |= await uow.users.names(missing)
    funnel = _funnel(pipelines, await uow.digest.funnel(window.month_start, now))
    stage_names = {s.id: f"{p.name}: {s.name}" for p in pipelines for s in p.stages}
    return DigestReport(digest, names, stage_names, funnel, company.currency, basis)


def for_scope(report: DigestReport, scope: frozenset[UserId] | None) -> DigestReport:
    """The digest of a head's teams: their sellers' lines, plan, fact, ranking and totals
    (None: the whole company). The funnel stays the company's."""
    if scope is None or report.basis is None:
        return report
    b = report.basis
    return replace(report, digest=build_digest(for_owners(b.rows, scope), b.calendar, b.level))


def _funnel(pipelines: list[Pipeline], rows: Sequence[tuple[int, int, int]]) -> Funnel | None:
    """The funnel of the pipeline most of this month's deals went into."""
    per_pipeline: dict[int, dict[int | None, int]] = {}
    for pipeline_id, pos, count in rows:
        per_pipeline.setdefault(pipeline_id, {})[None if pos < 0 else pos] = count
    busiest = max(
        (p for p in pipelines if p.id in per_pipeline and p.stages),
        key=lambda p: sum(per_pipeline[p.id].values()),
        default=None,
    )
    if busiest is None:
        return None
    ordered = sorted(busiest.stages, key=lambda s: s.position)
    index = {s.id: i for i, s in enumerate(ordered)}
    slots = [(s.position, s.id) for s in ordered]
    furthest: dict[int | None, int] = {}
    for position, count in per_pipeline[busiest.id].items():
        # Won (None) is past every stage; a deleted stage's position counts for the current
        # stage before it (stage_at), which always exists: `busiest` has stages.
        stage = None if position is None else stage_at(position, slots)
        at = None if stage is None else index[stage]
        furthest[at] = furthest.get(at, 0) + count
    conversions = funnel_reached([s.id for s in ordered], furthest)
    return Funnel(busiest, conversions, furthest.get(None, 0))


def require_manager(actor: User) -> None:
    """The digest and its drill-downs are for heads and admins."""
    if not is_manager(actor):
        raise DigestForHeadsError()


async def digest_on_demand(
    uow: UnitOfWork, actor: User, now: datetime, company: CompanySettings
) -> DigestReport:
    """A head asks for this morning's digest at any time."""
    require_manager(actor)
    return for_scope(await team_digest(uow, now, company), await owner_scope_of(uow, actor))


async def seller_pipeline(
    uow: UnitOfWork, actor: User, seller_id: UserId, now: datetime, page: int = 0
) -> tuple[User, DealPage]:
    """One seller's open deals by stage, for a head drilling down from the digest."""
    require_manager(actor)
    seller = await uow.users.get(seller_id)
    if seller is None or not is_staff(seller):
        raise SellerGoneError()
    if not in_scope(await owner_scope_of(uow, actor), seller.id):
        raise SellerGoneError()  # another team's (a forged button)
    return seller, await list_deals(uow, actor, now, owner_id=seller.id, page=page)


async def overdue_tasks(
    uow: UnitOfWork, actor: User, now: datetime
) -> tuple[list[Task], int, dict[UserId, str]]:
    """The team's overdue tasks, the longest overdue first, with their assignees' names."""
    require_manager(actor)
    scope = await owner_scope_of(uow, actor)
    tasks, total = await uow.tasks.overdue(now, OVERDUE_SHOWN, scope)
    names = await uow.users.names(list({t.assignee_id for t in tasks}))
    return tasks, total, names
