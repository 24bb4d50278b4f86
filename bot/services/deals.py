"""Deals: create, look at, edit, move through the pipeline, close, note, list, find."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.domain.access import is_manager, is_staff
from bot.domain.deal_fields import DealField, FieldValue
from bot.domain.deals import (
    DealChange,
    DealEvent,
    DealQuery,
    EventKind,
    days_in_stage,
    is_stalled,
    stall_cutoffs,
)
from bot.domain.errors import (
    AccessDeniedError,
    DealClosedError,
    DealNotClosedError,
    DealNotFoundError,
    LostReasonNotFoundError,
    PipelineNotFoundError,
    StageNotFoundError,
    StaleActionError,
)
from bot.domain.ids import ClientId, DealId, LostReasonId, PipelineId, StageId, UserId
from bot.domain.models import Client, Deal, DealStatus, NewDealInput, Pipeline, Role, Stage, User
from bot.domain.notices import Notice
from bot.domain.tasks import Task
from bot.domain.text import (
    CLIENT_NAME_MAX,
    NOTE_MAX,
    PRODUCT_MAX,
    REASON_MAX,
    SEARCH_MAX,
    clean_text,
)
from bot.services.deals_ports import DealStore
from bot.services.notify import enqueue
from bot.services.ports import Notifier
from bot.services.scope import may_touch_deal

PAGE_SIZE = 8


@dataclass(frozen=True, slots=True)
class DealView:
    """A deal with what its card shows beside it."""

    deal: Deal
    pipeline: Pipeline
    stage: Stage
    owner_name: str
    days_in_stage: int
    stalled: bool
    next_task: Task | None = None
    has_task: bool = True

    @property
    def needs_task(self) -> bool:
        """An open deal without a next step: a red flag of CRM hygiene."""
        return self.deal.is_open and not self.has_task

    @property
    def next_stage(self) -> Stage | None:
        return self.pipeline.next_stage(self.deal.stage_id) if self.deal.is_open else None


@dataclass(frozen=True, slots=True)
class DealPage:
    items: list[DealView]
    total: int
    page: int
    pages: int


def _require_staff(actor: User) -> None:
    if not is_staff(actor):
        raise AccessDeniedError()


async def _view(
    uow: DealStore,
    deal: Deal,
    now: datetime,
    pipeline: Pipeline | None = None,
    tasks: Sequence[Task] | None = None,
) -> DealView:
    """The card; `tasks`: its open tasks (the next first) when already read with the deal."""
    pipeline = pipeline or await uow.pipelines.get(deal.pipeline_id)
    if pipeline is None:
        raise PipelineNotFoundError()
    stage = await _stage_of(uow, pipeline, deal.stage_id)
    if tasks is None:
        tasks = await uow.tasks.open_for_deal(deal.id)
    return DealView(
        deal=deal,
        pipeline=pipeline,
        stage=stage,
        owner_name=deal.owner_name or "—",
        days_in_stage=days_in_stage(deal, now),
        stalled=is_stalled(deal, stage, now),
        next_task=tasks[0] if tasks else None,
        has_task=bool(tasks),
    )


async def _stage_of(uow: DealStore, pipeline: Pipeline, stage_id: StageId) -> Stage:
    """The deal's stage; a closed deal may sit in a stage deleted since (archived, kept)."""
    stage = pipeline.stage(stage_id) or (await uow.pipelines.stages([stage_id])).get(stage_id)
    if stage is None:
        raise StageNotFoundError()
    return stage


async def _own_deal(uow: DealStore, actor: User, deal_id: DealId) -> Deal:
    deal = await uow.deals.get(deal_id)
    if deal is None:
        raise DealNotFoundError()
    if not await may_touch_deal(uow, actor, deal):
        raise AccessDeniedError()
    return deal


async def _own_card(uow: DealStore, actor: User, deal_id: DealId) -> tuple[Deal, list[Task]]:
    """The deal, as `_own_deal`, with its next open task read in the same query."""
    found = await uow.deals.with_next_task(deal_id)
    if found is None:
        raise DealNotFoundError()
    deal, task = found
    if not await may_touch_deal(uow, actor, deal):
        raise AccessDeniedError()
    return deal, [task] if task is not None else []


async def pipelines_for(uow: DealStore, actor: User) -> tuple[list[Pipeline], PipelineId | None]:
    """The pipelines a deal can go to, and the seller's usual one to preselect."""
    _require_staff(actor)
    pipelines = await uow.pipelines.list_active()
    ids = {p.id for p in pipelines}
    preferred = actor.default_pipeline_id if actor.default_pipeline_id in ids else None
    return pipelines, preferred or (pipelines[0].id if pipelines else None)


async def suggest_clients(uow: DealStore, actor: User, text: str) -> list[Client]:
    """Existing clients whose name matches what the seller typed, so they are not doubled."""
    _require_staff(actor)
    return await uow.clients.find(clean_text(text, CLIENT_NAME_MAX), limit=5)


async def create_deal(uow: DealStore, actor: User, data: NewDealInput, now: datetime) -> DealView:
    """A new deal in the pipeline's first stage, owned by its creator, with a history row."""
    _require_staff(actor)
    pipeline = await uow.pipelines.get(data.pipeline_id)
    if pipeline is None or pipeline.is_archived or not pipeline.stages:
        raise PipelineNotFoundError()  # archived while the seller was typing, say
    client = await _resolve_client(uow, actor, data, now)
    deal = await uow.deals.add(
        title=client.company,
        client_id=client.id,
        amount=data.amount,
        pipeline_id=pipeline.id,
        stage_id=pipeline.first_stage.id,
        owner_id=actor.id,
        channel=data.channel.value if data.channel else None,
        product=clean_text(data.product, PRODUCT_MAX) if data.product else None,
        is_new_client=data.client_id is None,
        now=now,
    )
    await uow.events.add(
        DealEvent(deal.id, EventKind.CREATED, actor.id, now, to_stage_id=deal.stage_id)
    )
    if actor.default_pipeline_id != pipeline.id:
        await uow.users.set_default_pipeline(actor.id, pipeline.id)
    await uow.commit()
    return await _view(uow, deal, now, pipeline)


async def _resolve_client(uow: DealStore, actor: User, data: NewDealInput, now: datetime) -> Client:
    if data.client_id is not None:
        client = await uow.clients.get(ClientId(data.client_id))
        if client is not None:
            return client
    return await uow.clients.add(clean_text(data.client_name, CLIENT_NAME_MAX), actor.id, now)


async def open_deal(uow: DealStore, actor: User, deal_id: DealId, now: datetime) -> DealView:
    """The deal card, for its owner, a head or an admin."""
    deal, tasks = await _own_card(uow, actor, deal_id)
    return await _view(uow, deal, now, tasks=tasks)


async def _change(
    uow: DealStore,
    deal: Deal,
    change: DealChange,
    event: DealEvent,
    now: datetime,
    notices: Sequence[Notice] = (),
    notifier: Notifier | None = None,
    tasks: Sequence[Task] | None = None,
) -> DealView:
    """Write the change and its history; the card after it. `tasks`: the deal's open tasks
    read with it, when the change leaves them as they were (no need to read them again)."""
    if not await uow.deals.apply(change):
        await uow.rollback()
        raise StaleActionError()
    await uow.events.add(event)
    if notices and notifier is not None:
        await enqueue(uow, notices, now, notifier.tz, notifier.quiet)
    await uow.commit()
    if change.owner_id != deal.owner_id or change.status is DealStatus.LOST:
        fresh = await uow.deals.get(deal.id)  # names to show come from other rows
    else:
        fresh = _applied(deal, change)
    assert fresh is not None
    return await _view(uow, fresh, now, tasks=tasks)


def _applied(deal: Deal, change: DealChange) -> Deal:
    """The deal as the change left it, without reading it back."""
    return replace(
        deal,
        stage_id=change.stage_id,
        status=change.status,
        stage_entered_at=change.stage_entered_at,
        handoff_to_id=change.handoff_to_id,
        closed_at=change.closed_at,
        lost_reason=None,
        version=deal.version + 1,
        **change.edited,
    )


async def move_deal(
    uow: DealStore,
    actor: User,
    deal_id: DealId,
    stage_id: StageId,
    now: datetime,
    notifier: Notifier | None = None,
    *,
    expected_version: int | None = None,
) -> tuple[DealView, bool]:
    """Move an open deal to a stage of its pipeline; False when it was already there.
    With `expected_version`, only the deal as a button saw it (else StaleActionError).

    A stage with its own owner ("specialised conveyor") offers the deal to that person.
    """
    deal, tasks = await _own_card(uow, actor, deal_id)
    if not deal.is_open:
        raise DealClosedError(status=deal.status.value)
    if expected_version is not None and deal.version != expected_version:
        raise StaleActionError()
    pipeline = await uow.pipelines.get(deal.pipeline_id)
    stage = pipeline.stage(stage_id) if pipeline else None
    if pipeline is None or stage is None:
        raise StageNotFoundError()
    if deal.stage_id == stage_id:
        return await _view(uow, deal, now, pipeline, tasks), False
    taker = await _stage_owner(uow, stage, deal)
    change = DealChange.of(
        deal, stage_id=stage_id, stage_entered_at=now, handoff_to_id=taker.id if taker else None
    )
    event = DealEvent(deal.id, EventKind.STAGE, actor.id, now, deal.stage_id, stage_id)
    notices = []
    if taker is not None and notifier is not None:
        notices.append(notifier.handoff_offered(deal, stage, taker, actor))
    view = await _change(uow, deal, change, event, now, notices, notifier, tasks)
    return view, True


async def _stage_owner(uow: DealStore, stage: Stage, deal: Deal) -> User | None:
    """The active person a stage hands its deals to, unless they already own this one."""
    if stage.owner_id is None or stage.owner_id == deal.owner_id:
        return None
    owner = await uow.users.get(stage.owner_id)
    return owner if owner is not None and is_staff(owner) else None


async def win_deal(uow: DealStore, actor: User, deal_id: DealId, now: datetime) -> DealView:
    """Close the deal as won at its current stage."""
    deal = await _own_deal(uow, actor, deal_id)
    if not deal.is_open:
        raise DealClosedError(status=deal.status.value)
    change = DealChange.of(deal, status=DealStatus.WON, closed_at=now)
    await uow.tasks.cancel_open(deal.id)  # rolled back with the change if it is stale
    event = DealEvent(deal.id, EventKind.WON, actor.id, now, from_stage_id=deal.stage_id)
    return await _change(uow, deal, change, event, now)


async def lose_deal(
    uow: DealStore,
    actor: User,
    deal_id: DealId,
    now: datetime,
    *,
    reason_id: LostReasonId | None = None,
    reason_text: str | None = None,
) -> DealView:
    """Close the deal as lost, with a listed reason or one the seller typed."""
    deal = await _own_deal(uow, actor, deal_id)
    if not deal.is_open:
        raise DealClosedError(status=deal.status.value)
    reason_name, text = None, None
    if reason_id is not None:
        pipeline = await uow.pipelines.get(deal.pipeline_id)
        reason = (
            next((r for r in pipeline.lost_reasons if r.id == reason_id), None)
            if pipeline
            else None
        )
        if reason is None:
            raise LostReasonNotFoundError()
        reason_name = reason.name
    else:
        text = clean_text(reason_text, REASON_MAX)
    await uow.tasks.cancel_open(deal.id)  # rolled back with the change if it is stale
    change = DealChange.of(
        deal,
        status=DealStatus.LOST,
        closed_at=now,
        lost_reason_id=reason_id,
        lost_reason_text=text,
    )
    event = DealEvent(
        deal.id,
        EventKind.LOST,
        actor.id,
        now,
        from_stage_id=deal.stage_id,
        text=reason_name or text,
    )
    return await _change(uow, deal, change, event, now)


async def reopen_deal(uow: DealStore, actor: User, deal_id: DealId, now: datetime) -> DealView:
    """Undo a close made by mistake: the deal goes back to the stage it was closed at."""
    deal = await _own_deal(uow, actor, deal_id)
    if deal.is_open:
        raise DealNotClosedError()
    pipeline = await uow.pipelines.get(deal.pipeline_id)
    if pipeline is None or pipeline.is_archived or not pipeline.stages:
        raise PipelineNotFoundError()
    # A stage deleted since the close is gone from the pipeline: start over at the first.
    stage = pipeline.stage(deal.stage_id) or pipeline.first_stage
    change = DealChange.of(deal, status=DealStatus.OPEN, stage_id=stage.id, stage_entered_at=now)
    event = DealEvent(deal.id, EventKind.REOPENED, actor.id, now, to_stage_id=stage.id)
    return await _change(uow, deal, change, event, now)


async def edit_deal(
    uow: DealStore,
    actor: User,
    deal_id: DealId,
    field: DealField,
    value: FieldValue,
    expected_version: int,
    now: datetime,
) -> tuple[DealView, bool]:
    """Set one field of an open deal as seen at `expected_version`; False when it already
    had that value (nothing is written)."""
    deal = await _own_deal(uow, actor, deal_id)
    if not deal.is_open:
        raise DealClosedError(status=deal.status.value)
    if deal.version != expected_version:
        raise StaleActionError()
    before = field.current(deal)
    if before == value:
        return await _view(uow, deal, now), False
    change = DealChange.of(deal, **{field.attr: value})
    event = DealEvent(
        deal.id,
        EventKind.EDIT,
        actor.id,
        now,
        field=field.name.value,
        before=field.encode(before),
        after=field.encode(value),
    )
    return await _change(uow, deal, change, event, now), True


async def add_note(
    uow: DealStore, actor: User, deal_id: DealId, text: str, now: datetime
) -> DealView:
    """A free-text note in the deal's history."""
    deal = await _own_deal(uow, actor, deal_id)
    note = clean_text(text, NOTE_MAX)
    await uow.events.add(DealEvent(deal.id, EventKind.NOTE, actor.id, now, text=note))
    await uow.commit()
    return await _view(uow, deal, now)


async def deal_history(
    uow: DealStore, actor: User, deal_id: DealId, now: datetime
) -> tuple[DealView, list[DealEvent], dict[UserId, str], dict[StageId, str]]:
    """The deal with every change it went through, the names of who made them and of the
    stages (renamed, deleted or of another pipeline: history points to stage ids)."""
    view = await _view(uow, await _own_deal(uow, actor, deal_id), now)
    events = await uow.events.for_deal(deal_id)
    names = await uow.users.names([e.actor_id for e in events if e.actor_id is not None])
    ids = {i for e in events for i in (e.from_stage_id, e.to_stage_id) if i is not None}
    stages = await uow.pipelines.stages(sorted(ids))
    return view, events, names, {i: s.name for i, s in stages.items()}


async def list_deals(
    uow: DealStore,
    actor: User,
    now: datetime,
    *,
    pipeline_id: PipelineId | None = None,
    stalled: bool = False,
    text: str | None = None,
    page: int = 0,
    status: DealStatus | None = None,
    owner_id: UserId | None = None,
) -> DealPage:
    """Deals a page at a time: a seller's own; everyone's (or one owner's) for an admin or a
    head who leads no team; the members' of their teams for a head who leads some.

    Open deals only, unless a search text is given: a search finds closed deals too.
    """
    _require_staff(actor)
    pipelines = {p.id: p for p in await uow.pipelines.list_active()}
    cutoffs = None
    if stalled:
        stages = [s for p in pipelines.values() for s in p.stages]
        cutoffs = stall_cutoffs(stages, now)
    needle = clean_text(text, SEARCH_MAX) if text is not None else None
    query = DealQuery(
        owner_id=owner_id if is_manager(actor) else actor.id,
        managed_by=actor.id if actor.role is Role.HEAD else None,
        status=status or (DealStatus.OPEN if needle is None else None),
        pipeline_id=pipeline_id,
        stalled_before=cutoffs,
        text=needle,
        offset=max(page, 0) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    deals, total = await uow.deals.page(query)
    with_tasks = await uow.tasks.deals_with_open_tasks([d.id for d in deals])
    items = []
    for deal in deals:
        # A closed deal found by a search may be in an archived pipeline or stage.
        pipeline = pipelines.get(deal.pipeline_id) or await uow.pipelines.get(deal.pipeline_id)
        if pipeline is None:
            continue
        stage = await _stage_of(uow, pipeline, deal.stage_id)
        items.append(
            DealView(
                deal,
                pipeline,
                stage,
                deal.owner_name or "—",
                days_in_stage(deal, now),
                is_stalled(deal, stage, now),
                has_task=deal.id in with_tasks,
            )
        )
    pages = max(1, -(-total // PAGE_SIZE))
    return DealPage(items, total, min(max(page, 0), pages - 1), pages)
