"""The stage and lost-reason screens of the editor."""

from __future__ import annotations

import html

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.domain.errors import StageHasDealsError
from bot.domain.ids import LostReasonId, StageId, UserId
from bot.domain.models import Stage
from bot.domain.pipelines import STALL_DAYS_MAX
from bot.domain.text import LOST_REASON_MAX, STAGE_NAME_MAX
from bot.services import pipelines, stages
from handlers.context import Ctx
from handlers.pipelines import keyboards as kbs
from handlers.pipelines.callbacks import ReasonAction, ReasonCb, StageAction, StageCb
from handlers.pipelines.replies import ask
from handlers.pipelines.states import Field
from handlers.screens import show


async def on_stage(
    query: CallbackQuery, ctx: Ctx, callback_data: StageCb, state: FSMContext
) -> None:
    action, sid, arg = callback_data.action, StageId(callback_data.id), callback_data.arg
    view, stage = await stages.open_stage(ctx.uow, ctx.staff, sid)
    name = html.escape(stage.name)
    if action is StageAction.RENAME:
        question = ctx.t("pipes.ask_rename", name=name, limit=STAGE_NAME_MAX)
        await ask(query, state, Field.STAGE_RENAME, sid, question)
    elif action is StageAction.PROBABILITY:
        question = ctx.t("pipes.ask_probability", name=name, value=stage.probability)
        await ask(query, state, Field.PROBABILITY, sid, question)
    elif action is StageAction.STALL:
        value = ctx.t.n("days", stage.stall_days)
        question = ctx.t("pipes.ask_stall", name=name, value=value, limit=STALL_DAYS_MAX)
        await ask(query, state, Field.STALL, sid, question)
    elif action is StageAction.OWNER:
        people = await stages.owner_candidates(ctx.uow, ctx.staff)
        await show(query, kbs.owners_screen(ctx.t, stage, people))
    elif action is StageAction.DELETE:
        yes = StageCb(action=StageAction.DELETE_YES, id=sid)
        back = StageCb(action=StageAction.OPEN, id=sid)
        text = ctx.t("pipes.delete.confirm", name=name)
        await show(query, kbs.confirm_screen(ctx.t, text, ctx.t("pipes.btn.delete_yes"), yes, back))
    elif action in (StageAction.DELETE_YES, StageAction.DELETE_MOVING):
        await _delete(query, ctx, stage, arg)
    else:
        if action in (StageAction.UP, StageAction.DOWN):
            view = await stages.shift_stage(
                ctx.uow, ctx.staff, sid, action is StageAction.UP, ctx.now
            )
        elif action is StageAction.OWNER_SET:
            owner = UserId(arg) if arg else None
            view = await stages.set_stage_owner(ctx.uow, ctx.staff, sid, owner, ctx.now)
        fresh = view.pipeline.stage(sid)
        assert fresh is not None
        await show(query, kbs.stage_screen(ctx.t, view, fresh))


async def _delete(query: CallbackQuery, ctx: Ctx, stage: Stage, arg: int) -> None:
    move_to = StageId(arg) if arg else None
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


async def on_reason(
    query: CallbackQuery, ctx: Ctx, callback_data: ReasonCb, state: FSMContext
) -> None:
    rid = LostReasonId(callback_data.id)
    reason = await pipelines.open_reason(ctx.uow, ctx.staff, rid)
    if callback_data.action is ReasonAction.RENAME:
        question = ctx.t("pipes.ask_rename", name=html.escape(reason.name), limit=LOST_REASON_MAX)
        await ask(query, state, Field.REASON_RENAME, rid, question)
    elif callback_data.action is ReasonAction.ARCHIVE:
        view = await pipelines.archive_reason(ctx.uow, ctx.staff, rid, ctx.now)
        archived = ctx.t("pipes.reason_archived", name=reason.name)
        await show(query, kbs.reasons_screen(ctx.t, view.pipeline), archived, show_alert=True)
    else:
        await show(query, kbs.reason_screen(ctx.t, reason))
