"""The stage and lost-reason screens of the editor: a handler per button."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.domain.errors import StageHasDealsError
from bot.domain.ids import LostReasonId, StageId, UserId
from bot.domain.models import Stage
from bot.domain.pipelines import STALL_DAYS_MAX
from bot.domain.text import LOST_REASON_MAX, STAGE_NAME_MAX
from bot.services import pipelines, stages
from bot.services.pipelines import PipelineView
from handlers.context import Ctx
from handlers.pipelines import keyboards as kbs
from handlers.pipelines.callbacks import ReasonAction, ReasonCb, StageAction, StageCb
from handlers.pipelines.replies import ask
from handlers.pipelines.states import Field
from handlers.screens import show


async def _open(ctx: Ctx, callback_data: StageCb) -> tuple[PipelineView, Stage]:
    """The pressed stage and its pipeline (and the access check), before any button acts."""
    return await stages.open_stage(ctx.uow, ctx.staff, StageId(callback_data.id))


async def _show_stage(query: CallbackQuery, ctx: Ctx, view: PipelineView, sid: StageId) -> None:
    fresh = view.pipeline.stage(sid)
    assert fresh is not None
    await show(query, kbs.stage_screen(ctx.t, view, fresh))


async def on_stage(query: CallbackQuery, ctx: Ctx, callback_data: StageCb) -> None:
    view, stage = await _open(ctx, callback_data)
    await _show_stage(query, ctx, view, stage.id)


async def on_stage_rename(
    query: CallbackQuery, ctx: Ctx, callback_data: StageCb, state: FSMContext
) -> None:
    _, stage = await _open(ctx, callback_data)
    name = html.escape(stage.name)
    question = ctx.t("pipes.ask_rename", name=name, limit=STAGE_NAME_MAX)
    await ask(query, state, Field.STAGE_RENAME, stage.id, question)


async def on_stage_probability(
    query: CallbackQuery, ctx: Ctx, callback_data: StageCb, state: FSMContext
) -> None:
    _, stage = await _open(ctx, callback_data)
    name = html.escape(stage.name)
    question = ctx.t("pipes.ask_probability", name=name, value=stage.probability)
    await ask(query, state, Field.PROBABILITY, stage.id, question)


async def on_stage_stall(
    query: CallbackQuery, ctx: Ctx, callback_data: StageCb, state: FSMContext
) -> None:
    _, stage = await _open(ctx, callback_data)
    name, value = html.escape(stage.name), ctx.t.n("days", stage.stall_days)
    question = ctx.t("pipes.ask_stall", name=name, value=value, limit=STALL_DAYS_MAX)
    await ask(query, state, Field.STALL, stage.id, question)


async def on_stage_owner(query: CallbackQuery, ctx: Ctx, callback_data: StageCb) -> None:
    _, stage = await _open(ctx, callback_data)
    people = await stages.owner_candidates(ctx.uow, ctx.staff)
    await show(query, kbs.owners_screen(ctx.t, stage, people))


async def on_stage_owner_set(query: CallbackQuery, ctx: Ctx, callback_data: StageCb) -> None:
    """`arg`: the new owner, 0 for nobody."""
    _, stage = await _open(ctx, callback_data)
    owner = UserId(callback_data.arg) if callback_data.arg else None
    view = await stages.set_stage_owner(ctx.uow, ctx.staff, stage.id, owner, ctx.now)
    await _show_stage(query, ctx, view, stage.id)


async def on_stage_shift(query: CallbackQuery, ctx: Ctx, callback_data: StageCb) -> None:
    _, stage = await _open(ctx, callback_data)
    up = callback_data.action is StageAction.UP
    view = await stages.shift_stage(ctx.uow, ctx.staff, stage.id, up, ctx.now)
    await _show_stage(query, ctx, view, stage.id)


async def on_stage_delete_ask(query: CallbackQuery, ctx: Ctx, callback_data: StageCb) -> None:
    _, stage = await _open(ctx, callback_data)
    yes = StageCb(action=StageAction.DELETE_YES, id=stage.id)
    back = StageCb(action=StageAction.OPEN, id=stage.id)
    text = ctx.t("pipes.delete.confirm", name=html.escape(stage.name))
    await show(query, kbs.confirm_screen(ctx.t, text, ctx.t("pipes.btn.delete_yes"), yes, back))


async def on_stage_delete(query: CallbackQuery, ctx: Ctx, callback_data: StageCb) -> None:
    """Delete the stage; with a stage in `arg`, its deals move there first."""
    _, stage = await _open(ctx, callback_data)
    move_to = StageId(callback_data.arg) if callback_data.arg else None
    try:
        view, moved = await stages.delete_stage(ctx.uow, ctx.staff, stage.id, ctx.now, move_to)
    except StageHasDealsError as refused:
        count = refused.params["count"]
        assert isinstance(count, int)
        pipeline = await pipelines.open_pipeline(ctx.uow, ctx.staff, stage.pipeline_id)
        await show(query, kbs.move_stages_screen(ctx.t, stage, pipeline.pipeline, count))
        return
    deleted = ctx.t("pipes.deleted", name=stage.name, count=moved)
    await show(query, kbs.pipeline_screen(ctx.t, view), deleted, show_alert=True)


async def on_reason(query: CallbackQuery, ctx: Ctx, callback_data: ReasonCb) -> None:
    reason = await pipelines.open_reason(ctx.uow, ctx.staff, LostReasonId(callback_data.id))
    await show(query, kbs.reason_screen(ctx.t, reason))


async def on_reason_rename(
    query: CallbackQuery, ctx: Ctx, callback_data: ReasonCb, state: FSMContext
) -> None:
    reason = await pipelines.open_reason(ctx.uow, ctx.staff, LostReasonId(callback_data.id))
    question = ctx.t("pipes.ask_rename", name=html.escape(reason.name), limit=LOST_REASON_MAX)
    await ask(query, state, Field.REASON_RENAME, reason.id, question)


async def on_reason_archive(query: CallbackQuery, ctx: Ctx, callback_data: ReasonCb) -> None:
    rid = LostReasonId(callback_data.id)
    reason = await pipelines.open_reason(ctx.uow, ctx.staff, rid)
    view = await pipelines.archive_reason(ctx.uow, ctx.staff, rid, ctx.now)
    archived = ctx.t("pipes.reason_archived", name=reason.name)
    await show(query, kbs.reasons_screen(ctx.t, view.pipeline), archived, show_alert=True)


def register(router: Router) -> None:
    """The stage and lost-reason buttons, on the editor's router (admins only)."""
    press = router.callback_query
    press(StageCb.filter(F.action == StageAction.OPEN))(on_stage)
    press(StageCb.filter(F.action == StageAction.RENAME))(on_stage_rename)
    press(StageCb.filter(F.action == StageAction.PROBABILITY))(on_stage_probability)
    press(StageCb.filter(F.action == StageAction.STALL))(on_stage_stall)
    press(StageCb.filter(F.action == StageAction.OWNER))(on_stage_owner)
    press(StageCb.filter(F.action == StageAction.OWNER_SET))(on_stage_owner_set)
    press(StageCb.filter(F.action.in_({StageAction.UP, StageAction.DOWN})))(on_stage_shift)
    press(StageCb.filter(F.action == StageAction.DELETE))(on_stage_delete_ask)
    deleting = {StageAction.DELETE_YES, StageAction.DELETE_MOVING}
    press(StageCb.filter(F.action.in_(deleting)))(on_stage_delete)
    press(ReasonCb.filter(F.action == ReasonAction.OPEN))(on_reason)
    press(ReasonCb.filter(F.action == ReasonAction.RENAME))(on_reason_rename)
    press(ReasonCb.filter(F.action == ReasonAction.ARCHIVE))(on_reason_archive)
