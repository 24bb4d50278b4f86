"""What a seller's day needs, and which deals have stalled: the data behind morning agendas
and stall alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain.deals import DealQuery, stall_cutoffs
from bot.domain.ids import UserId
from bot.domain.models import Deal, Pipeline, Stage, User
from bot.domain.tasks import Task, split_by_day

SHOWN = 5  # items of each kind an agenda lists; the rest are counted
STALL_BATCH = 500


class AgendaDeals(Protocol):
    async def page(self, query: DealQuery) -> tuple[list[Deal], int]: ...


class AgendaTasks(Protocol):
    async def open_for(self, assignee_id: UserId, limit: int) -> list[Task]: ...


class AgendaPipelines(Protocol):
    async def list_active(self) -> list[Pipeline]: ...


class AgendaStore(Protocol):
    """What a seller's morning agenda and the stall lists read."""

    @property
    def deals(self) -> AgendaDeals: ...
    @property
    def tasks(self) -> AgendaTasks: ...
    @property
    def pipelines(self) -> AgendaPipelines: ...


@dataclass(frozen=True, slots=True)
class Agenda:
    user: User
    overdue: list[Task]
    today: list[Task]
    without_task: list[Deal]
    without_task_total: int
    stalled: list[Deal]
    stalled_total: int

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.today or self.without_task_total or self.stalled_total)


@dataclass(frozen=True, slots=True)
class Stall:
    deal: Deal
    stage: Stage
    escalate: bool  # still stalled after the limit again: the head is told too


async def agenda_for(uow: AgendaStore, user: User, now: datetime, tz: ZoneInfo) -> Agenda:
    """Today's and overdue tasks, deals without a next step and stalled deals of one person."""
    overdue, today, _ = split_by_day(await uow.tasks.open_for(user.id, 100), now, tz)
    bare, bare_total = await uow.deals.page(
        DealQuery(owner_id=user.id, without_task=True, limit=SHOWN)
    )
    cutoffs = stall_cutoffs(await _stages(uow), now)
    stalled, stalled_total = await uow.deals.page(
        DealQuery(owner_id=user.id, stalled_before=cutoffs, limit=SHOWN)
    )
    return Agenda(user, overdue, today, bare, bare_total, stalled, stalled_total)


async def _stages(uow: AgendaStore) -> list[Stage]:
    return [s for p in await uow.pipelines.list_active() for s in p.stages]


async def stalled_deals(uow: AgendaStore, now: datetime) -> list[Stall]:
    """Open deals longer in their stage than its limit, at most a batch per run."""
    stages = {s.id: s for s in await _stages(uow)}
    # The most recently stalled first: they are the ones owed an alert now. Escalations are
    # read the same way against twice the limit, so neither kind starves behind the other.
    first = await uow.deals.page(
        DealQuery(
            stalled_before=stall_cutoffs(stages.values(), now), limit=STALL_BATCH, newest_first=True
        )
    )
    twice_cutoffs = [
        (s.id, now - timedelta(days=2 * s.stall_days)) for s in stages.values() if s.stall_days > 0
    ]
    second = await uow.deals.page(
        DealQuery(stalled_before=twice_cutoffs, limit=STALL_BATCH, newest_first=True)
    )
    deals = {d.id: d for d in [*first[0], *second[0]]}.values()
    stalls = []
    for deal in deals:
        stage = stages[deal.stage_id]
        twice = now - deal.stage_entered_at > timedelta(days=2 * stage.stall_days)
        stalls.append(Stall(deal, stage, escalate=twice))
    return stalls
