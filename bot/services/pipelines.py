"""Shaping pipelines in the chat (admins): create, rename, archive; lost reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.audit import AuditEntry
from bot.domain.deals import DealEvent, EventKind
from bot.domain.errors import (
    AccessDeniedError,
    LastPipelineError,
    LostReasonNotFoundError,
    PipelineHasOpenDealsError,
    PipelineNotFoundError,
    StageNotFoundError,
)
from bot.domain.ids import DealId, LostReasonId, PipelineId, StageId, UserId
from bot.domain.models import LostReason, Pipeline, Role, Stage, User
from bot.domain.pipelines import clean_name
from bot.domain.templates import TEMPLATES, StageTemplate
from bot.domain.text import LOST_REASON_MAX, PIPELINE_NAME_MAX
from bot.services.pipelines_ports import PipelineStore

EMPTY = "empty"
# An empty pipeline starts with one stage, so a deal can enter it at once.
FIRST_STAGE = StageTemplate({"ru": "Первый контакт", "en": "First contact"}, 10, 3)
TEMPLATE_KINDS = tuple(t.kind for t in TEMPLATES)


def require_admin(actor: User) -> None:
    if not actor.is_active or actor.role is not Role.ADMIN:
        raise AccessDeniedError()


async def audit(
    uow: PipelineStore,
    actor: User,
    now: datetime,
    action: str,
    subject: str,
    before: object = None,
    after: object = None,
) -> None:
    """One audit row; values are shown as text, None as none."""
    await uow.audit.add(
        AuditEntry(
            actor.id,
            now,
            action,
            subject[:200],
            None if before is None else str(before),
            None if after is None else str(after),
        )
    )


@dataclass(frozen=True, slots=True)
class PipelineView:
    """A pipeline as the editor shows it: with the names of its stages' owners."""

    pipeline: Pipeline
    owners: dict[UserId, str]


async def editor_view(uow: PipelineStore, pipeline_id: PipelineId) -> PipelineView:
    pipeline = await active_pipeline(uow, pipeline_id)
    ids = [s.owner_id for s in pipeline.stages if s.owner_id is not None]
    return PipelineView(pipeline, await uow.users.names(ids) if ids else {})


async def active_pipeline(uow: PipelineStore, pipeline_id: PipelineId) -> Pipeline:
    """An active pipeline, or the polite refusal a forged or outdated button gets."""
    pipeline = await uow.pipelines.get(pipeline_id)
    if pipeline is None or pipeline.is_archived:
        raise PipelineNotFoundError()
    return pipeline


async def move_open_deals(
    uow: PipelineStore,
    actor: User,
    deals: Sequence[tuple[DealId, StageId]],
    to: Stage,
    now: datetime,
) -> None:
    """Move open deals into a stage, each with a stage change in its history."""
    await uow.pipelines.move_deals([d for d, _ in deals], to, now)
    await uow.events.add_many(
        [DealEvent(d, EventKind.STAGE, actor.id, now, src, to.id) for d, src in deals]
    )


async def list_pipelines(uow: PipelineStore, actor: User) -> list[Pipeline]:
    """The active pipelines in their order."""
    require_admin(actor)
    return await uow.pipelines.list_active()


async def open_pipeline(uow: PipelineStore, actor: User, pipeline_id: PipelineId) -> PipelineView:
    """One pipeline with its stages and lost reasons, for the editor."""
    require_admin(actor)
    return await editor_view(uow, pipeline_id)


def _free_name(wanted: str, taken: set[str]) -> str:
    """The template's name, numbered when a pipeline already has it: "Опт 2"."""
    name, n = wanted, 1
    while name.casefold() in taken:
        n += 1
        name = f"{wanted} {n}"
    return name


async def create_pipeline(
    uow: PipelineStore, actor: User, kind: str, lang: str, now: datetime, name: str | None = None
) -> PipelineView:
    """A pipeline from a template (named after it), or an empty one with a typed name."""
    require_admin(actor)
    taken = {p.name for p in await uow.pipelines.list_active()}
    if kind == EMPTY:
        title = clean_name(name, PIPELINE_NAME_MAX, taken)
        pipeline_id = await uow.pipelines.add_pipeline(title, "custom")
        first = FIRST_STAGE
        await uow.pipelines.add_stage(
            pipeline_id, first.name[lang], first.probability, first.stall_days
        )
    else:
        template = next((t for t in TEMPLATES if t.kind == kind), None)
        if template is None:
            raise PipelineNotFoundError()
        position = await uow.pipelines.count() + 1
        pipeline_id = await uow.pipelines.add_from_template(template, lang, position)
        title = _free_name(template.name[lang], {n.casefold() for n in taken})
        await uow.pipelines.set_pipeline(pipeline_id, "name", title)
    await audit(uow, actor, now, "pipeline.add", title, after=kind)
    await uow.commit()
    return await editor_view(uow, pipeline_id)


async def rename_pipeline(
    uow: PipelineStore, actor: User, pipeline_id: PipelineId, text: str, now: datetime
) -> PipelineView:
    """A new name, unique among the active pipelines; history keeps pointing to the id."""
    require_admin(actor)
    pipeline = await active_pipeline(uow, pipeline_id)
    others = [p.name for p in await uow.pipelines.list_active() if p.id != pipeline.id]
    name = clean_name(text, PIPELINE_NAME_MAX, others)
    if name != pipeline.name:
        await uow.pipelines.set_pipeline(pipeline.id, "name", name)
        await audit(uow, actor, now, "pipeline.rename", name, pipeline.name, name)
        await uow.commit()
    return await editor_view(uow, pipeline.id)


async def archive_pipeline(
    uow: PipelineStore,
    actor: User,
    pipeline_id: PipelineId,
    now: datetime,
    move_to: StageId | None = None,
) -> tuple[Pipeline, int]:
    """Archive a pipeline; its open deals first go to `move_to`, a stage of another active
    pipeline, all in one transaction. Without it a pipeline with open deals stays."""
    require_admin(actor)
    pipeline = await active_pipeline(uow, pipeline_id)
    others = [p for p in await uow.pipelines.list_active() if p.id != pipeline.id]
    if not others:
        raise LastPipelineError()
    deals = await uow.pipelines.open_deals(pipeline_id=pipeline.id)
    if deals and move_to is None:
        raise PipelineHasOpenDealsError(count=len(deals))
    if deals:
        target = next((s for p in others for s in p.stages if s.id == move_to), None)
        if target is None:
            raise StageNotFoundError()
        await move_open_deals(uow, actor, deals, target, now)
    await uow.pipelines.set_pipeline(pipeline.id, "is_archived", True)
    await audit(uow, actor, now, "pipeline.archive", pipeline.name, after=len(deals))
    await uow.commit()
    return pipeline, len(deals)


async def other_pipelines(
    uow: PipelineStore, actor: User, pipeline_id: PipelineId
) -> list[Pipeline]:
    """Where the open deals of an archived pipeline can go."""
    require_admin(actor)
    await active_pipeline(uow, pipeline_id)
    return [p for p in await uow.pipelines.list_active() if p.id != pipeline_id]


async def _active_reason(uow: PipelineStore, reason_id: LostReasonId) -> LostReason:
    reason = await uow.pipelines.reason(reason_id)
    if reason is None or reason.is_archived:
        raise LostReasonNotFoundError()
    await active_pipeline(uow, reason.pipeline_id)
    return reason


async def add_reason(
    uow: PipelineStore, actor: User, pipeline_id: PipelineId, text: str, now: datetime
) -> PipelineView:
    """A new lost reason at the end of the pipeline's list."""
    require_admin(actor)
    pipeline = await active_pipeline(uow, pipeline_id)
    name = clean_name(text, LOST_REASON_MAX, [r.name for r in pipeline.lost_reasons])
    await uow.pipelines.add_reason(pipeline.id, name)
    await audit(uow, actor, now, "reason.add", f"{pipeline.name}: {name}", after=name)
    await uow.commit()
    return await editor_view(uow, pipeline.id)


async def rename_reason(
    uow: PipelineStore, actor: User, reason_id: LostReasonId, text: str, now: datetime
) -> PipelineView:
    """A new wording; deals lost for this reason show the new one, events keep the old."""
    require_admin(actor)
    reason = await _active_reason(uow, reason_id)
    pipeline = await active_pipeline(uow, reason.pipeline_id)
    others = [r.name for r in pipeline.lost_reasons if r.id != reason.id]
    name = clean_name(text, LOST_REASON_MAX, others)
    if name != reason.name:
        await uow.pipelines.set_reason(reason.id, "name", name)
        subject = f"{pipeline.name}: {name}"
        await audit(uow, actor, now, "reason.rename", subject, reason.name, name)
        await uow.commit()
    return await editor_view(uow, pipeline.id)


async def archive_reason(
    uow: PipelineStore, actor: User, reason_id: LostReasonId, now: datetime
) -> PipelineView:
    """The reason leaves the list; deals lost for it keep showing it."""
    require_admin(actor)
    reason = await _active_reason(uow, reason_id)
    await uow.pipelines.set_reason(reason.id, "is_archived", True)
    pipeline = await active_pipeline(uow, reason.pipeline_id)
    await audit(uow, actor, now, "reason.archive", f"{pipeline.name}: {reason.name}")
    await uow.commit()
    return await editor_view(uow, pipeline.id)


async def open_reason(uow: PipelineStore, actor: User, reason_id: LostReasonId) -> LostReason:
    """One active lost reason, for its screen."""
    require_admin(actor)
    return await _active_reason(uow, reason_id)
