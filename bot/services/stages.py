"""Shaping a pipeline's stages (admins): add, rename, reorder, delete, numbers, owner."""

from __future__ import annotations

from datetime import datetime

from bot.domain.errors import (
    LastStageError,
    MemberInvalidError,
    StageHasDealsError,
    StageNotFoundError,
)
from bot.domain.ids import PipelineId, StageId, UserId
from bot.domain.models import Pipeline, Role, Stage, User
from bot.domain.pipelines import (
    clean_name,
    looks_like_client_state,
    parse_probability,
    parse_stall_days,
)
from bot.domain.text import STAGE_NAME_MAX
from bot.services.pipelines import (
    PipelineView,
    active_pipeline,
    audit,
    editor_view,
    move_open_deals,
    require_admin,
)
from bot.services.pipelines_ports import PipelineStore

OWNER_ROLES = (Role.SELLER, Role.HEAD)


async def active_stage(uow: PipelineStore, stage_id: StageId) -> tuple[Pipeline, Stage]:
    """An active stage of an active pipeline, or the refusal a forged button gets."""
    found = (await uow.pipelines.stages([stage_id])).get(stage_id)
    if found is None or found.is_archived:
        raise StageNotFoundError()
    pipeline = await active_pipeline(uow, found.pipeline_id)
    stage = pipeline.stage(stage_id)
    assert stage is not None
    return pipeline, stage


def _subject(pipeline: Pipeline, name: str) -> str:
    return f"{pipeline.name}: {name}"


async def add_stage(
    uow: PipelineStore, actor: User, pipeline_id: PipelineId, text: str, now: datetime
) -> tuple[PipelineView, bool]:
    """A new last stage with the last one's numbers; True when its name sounds like a
    client's state (a warning, the stage is added)."""
    require_admin(actor)
    pipeline = await active_pipeline(uow, pipeline_id)
    name = clean_name(text, STAGE_NAME_MAX, [s.name for s in pipeline.stages])
    last = pipeline.stages[-1]
    await uow.pipelines.add_stage(pipeline.id, name, last.probability, last.stall_days)
    await audit(uow, actor, now, "stage.add", _subject(pipeline, name), after=name)
    await uow.commit()
    return await editor_view(uow, pipeline.id), looks_like_client_state(name)


async def rename_stage(
    uow: PipelineStore, actor: User, stage_id: StageId, text: str, now: datetime
) -> tuple[PipelineView, bool]:
    """A new name; history points to the stage id, so it reads the new name everywhere."""
    require_admin(actor)
    pipeline, stage = await active_stage(uow, stage_id)
    name = clean_name(text, STAGE_NAME_MAX, [s.name for s in pipeline.stages if s.id != stage.id])
    if name != stage.name:
        await uow.pipelines.set_stage(stage.id, "name", name)
        await audit(uow, actor, now, "stage.rename", _subject(pipeline, name), stage.name, name)
        await uow.commit()
    return await editor_view(uow, pipeline.id), looks_like_client_state(name)


async def shift_stage(
    uow: PipelineStore, actor: User, stage_id: StageId, up: bool, now: datetime
) -> PipelineView:
    """Swap a stage with its neighbour; at either end nothing changes."""
    require_admin(actor)
    pipeline, stage = await active_stage(uow, stage_id)
    order = list(pipeline.stages)
    i = order.index(stage)
    j = i - 1 if up else i + 1
    if not 0 <= j < len(order):
        return await editor_view(uow, pipeline.id)
    # The two swap their slots; every other stage, a deleted (archived) one included, keeps
    # its own, so a position in the history always names one place in the funnel.
    await uow.pipelines.set_stage(order[i].id, "position", order[j].position)
    await uow.pipelines.set_stage(order[j].id, "position", order[i].position)
    await audit(uow, actor, now, "stage.order", _subject(pipeline, stage.name), i + 1, j + 1)
    await uow.commit()
    return await editor_view(uow, pipeline.id)


async def delete_stage(
    uow: PipelineStore,
    actor: User,
    stage_id: StageId,
    now: datetime,
    move_to: StageId | None = None,
) -> tuple[PipelineView, int]:
    """Remove a stage from the pipeline; its open deals go to `move_to` (another stage of the
    same pipeline) first. Never the last stage. The stage is archived, not erased: the history
    and the cards of closed deals still name it."""
    require_admin(actor)
    pipeline, stage = await active_stage(uow, stage_id)
    if len(pipeline.stages) == 1:
        raise LastStageError()
    deals = await uow.pipelines.open_deals(stage_id=stage.id)
    if deals and move_to is None:
        raise StageHasDealsError(count=len(deals))
    if deals:
        target = pipeline.stage(move_to) if move_to is not None else None
        if target is None or target.id == stage.id:
            raise StageNotFoundError()
        await move_open_deals(uow, actor, deals, target, now)
    await uow.pipelines.set_stage(stage.id, "is_archived", True)
    await audit(uow, actor, now, "stage.delete", _subject(pipeline, stage.name), after=len(deals))
    await uow.commit()
    return await editor_view(uow, pipeline.id), len(deals)


async def set_probability(
    uow: PipelineStore, actor: User, stage_id: StageId, text: str, now: datetime
) -> PipelineView:
    """The stage's win probability, 0–100 %, for the weighted forecast."""
    require_admin(actor)
    pipeline, stage = await active_stage(uow, stage_id)
    value = parse_probability(text)
    if value != stage.probability:
        await uow.pipelines.set_stage(stage.id, "probability", value)
        subject = _subject(pipeline, stage.name)
        await audit(uow, actor, now, "stage.probability", subject, stage.probability, value)
        await uow.commit()
    return await editor_view(uow, pipeline.id)


async def set_stall_days(
    uow: PipelineStore, actor: User, stage_id: StageId, text: str, now: datetime
) -> PipelineView:
    """Days in the stage after which a deal counts as stalled."""
    require_admin(actor)
    pipeline, stage = await active_stage(uow, stage_id)
    value = parse_stall_days(text)
    if value != stage.stall_days:
        await uow.pipelines.set_stage(stage.id, "stall_days", value)
        subject = _subject(pipeline, stage.name)
        await audit(uow, actor, now, "stage.stall", subject, stage.stall_days, value)
        await uow.commit()
    return await editor_view(uow, pipeline.id)


async def owner_candidates(uow: PipelineStore, actor: User) -> list[User]:
    """Who can own a stage: the active sellers and heads."""
    require_admin(actor)
    return [u for u in await uow.users.list_staff() if u.is_active and u.role in OWNER_ROLES]


async def set_stage_owner(
    uow: PipelineStore, actor: User, stage_id: StageId, owner_id: UserId | None, now: datetime
) -> PipelineView:
    """The person deals entering the stage are handed to, or nobody (the deal stays put)."""
    require_admin(actor)
    pipeline, stage = await active_stage(uow, stage_id)
    names: dict[UserId, str] = {}
    if owner_id is not None:
        names = {u.id: u.name for u in await owner_candidates(uow, actor)}
        if owner_id not in names:
            raise MemberInvalidError()
    if owner_id != stage.owner_id:
        before = (
            (await uow.users.names([stage.owner_id])).get(stage.owner_id)
            if stage.owner_id
            else None
        )
        await uow.pipelines.set_stage(stage.id, "owner_id", owner_id)
        subject = _subject(pipeline, stage.name)
        await audit(
            uow,
            actor,
            now,
            "stage.owner",
            subject,
            before,
            names.get(owner_id) if owner_id else None,
        )
        await uow.commit()
    return await editor_view(uow, pipeline.id)


async def open_stage(
    uow: PipelineStore, actor: User, stage_id: StageId
) -> tuple[PipelineView, Stage]:
    """One stage with its pipeline, for the stage's screen."""
    require_admin(actor)
    pipeline, stage = await active_stage(uow, stage_id)
    return await editor_view(uow, pipeline.id), stage
