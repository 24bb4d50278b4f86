"""`/pipelines` (admins): buttons walk the editor, one typed step changes a name or a number."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain.errors import (
    PipelineHasOpenDealsError,
    PipelineNotFoundError,
)
from bot.domain.ids import PipelineId, StageId
from bot.domain.text import LOST_REASON_MAX, PIPELINE_NAME_MAX, STAGE_NAME_MAX
from bot.services import pipelines
from bot.services.pipelines import EMPTY, TEMPLATE_KINDS
from handlers.context import Ctx
from handlers.filters import TypedText
from handlers.pipelines import keyboards as kbs
from handlers.pipelines.callbacks import (
    NewPipeCb,
    PipeAction,
    PipeCb,
    ReasonCb,
    StageCb,
)
from handlers.pipelines.replies import ask
from handlers.pipelines.stage_screens import on_reason, on_stage
from handlers.pipelines.states import Field, PipelineEdit
from handlers.pipelines.typed import on_text
from handlers.screens import show
from handlers.settings import is_admin


async def cmd_pipelines(message: Message, ctx: Ctx, state: FSMContext) -> None:
    await state.clear()
    text, markup = kbs.pipelines_screen(ctx.t, await pipelines.list_pipelines(ctx.uow, ctx.staff))
    await message.answer(text, reply_markup=markup)


async def on_new_pipeline(
    query: CallbackQuery, ctx: Ctx, callback_data: NewPipeCb, state: FSMContext
) -> None:
    if callback_data.kind == EMPTY:
        pipelines.require_admin(ctx.staff)
        question = ctx.t("pipes.ask_name", limit=PIPELINE_NAME_MAX)
        await ask(query, state, Field.PIPELINE_NAME, 0, question)
        return
    view = await pipelines.create_pipeline(
        ctx.uow, ctx.staff, callback_data.kind, ctx.t.lang, ctx.now
    )
    await show(
        query, kbs.pipeline_screen(ctx.t, view), ctx.t("pipes.created", name=view.pipeline.name)
    )


async def on_pipeline(
    query: CallbackQuery, ctx: Ctx, callback_data: PipeCb, state: FSMContext
) -> None:
    action, pid, arg = callback_data.action, PipelineId(callback_data.id), callback_data.arg
    if action is PipeAction.LIST:
        await show(
            query, kbs.pipelines_screen(ctx.t, await pipelines.list_pipelines(ctx.uow, ctx.staff))
        )
    elif action is PipeAction.NEW:
        pipelines.require_admin(ctx.staff)
        await show(query, kbs.templates_screen(ctx.t))
    elif action in _ASKS:
        view = await pipelines.open_pipeline(ctx.uow, ctx.staff, pid)
        field, key, limit = _ASKS[action]
        text = ctx.t(key, name=html.escape(view.pipeline.name), limit=limit)
        await ask(query, state, field, pid, text)
    elif action is PipeAction.REASONS:
        view = await pipelines.open_pipeline(ctx.uow, ctx.staff, pid)
        await show(query, kbs.reasons_screen(ctx.t, view.pipeline))
    else:
        await _ARCHIVE_STEPS.get(action, _open)(query, ctx, pid, arg)


_ASKS = {
    PipeAction.RENAME: (Field.PIPELINE_RENAME, "pipes.ask_rename", PIPELINE_NAME_MAX),
    PipeAction.ADD_STAGE: (Field.STAGE_ADD, "pipes.ask_stage", STAGE_NAME_MAX),
    PipeAction.ADD_REASON: (Field.REASON_ADD, "pipes.ask_reason", LOST_REASON_MAX),
}
Step = Callable[[CallbackQuery, Ctx, PipelineId, int], Awaitable[None]]


async def _open(query: CallbackQuery, ctx: Ctx, pid: PipelineId, arg: int) -> None:
    await show(
        query, kbs.pipeline_screen(ctx.t, await pipelines.open_pipeline(ctx.uow, ctx.staff, pid))
    )


async def _archive_ask(query: CallbackQuery, ctx: Ctx, pid: PipelineId, arg: int) -> None:
    p = (await pipelines.open_pipeline(ctx.uow, ctx.staff, pid)).pipeline
    await show(
        query,
        kbs.confirm_screen(
            ctx.t,
            ctx.t("pipes.archive.confirm", name=html.escape(p.name)),
            ctx.t("pipes.btn.archive_yes"),
            PipeCb(action=PipeAction.ARCHIVE_YES, id=pid),
            PipeCb(action=PipeAction.OPEN, id=pid),
        ),
    )


async def _archive(query: CallbackQuery, ctx: Ctx, pid: PipelineId, arg: int) -> None:
    move_to = StageId(arg) if arg else None
    try:
        archived, moved = await pipelines.archive_pipeline(
            ctx.uow, ctx.staff, pid, ctx.now, move_to
        )
    except PipelineHasOpenDealsError as refused:
        p = (await pipelines.open_pipeline(ctx.uow, ctx.staff, pid)).pipeline
        count = refused.params["count"]
        assert isinstance(count, int)
        await show(query, kbs.has_deals_screen(ctx.t, p, count))
        return
    text = ctx.t("pipes.archived", name=html.escape(archived.name), count=moved)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text)
        screen = kbs.pipelines_screen(ctx.t, await pipelines.list_pipelines(ctx.uow, ctx.staff))
        await query.message.answer(screen[0], reply_markup=screen[1])


async def _pick_pipeline(query: CallbackQuery, ctx: Ctx, pid: PipelineId, arg: int) -> None:
    others = await pipelines.other_pipelines(ctx.uow, ctx.staff, pid)
    p = (await pipelines.open_pipeline(ctx.uow, ctx.staff, pid)).pipeline
    await show(query, kbs.target_pipelines_screen(ctx.t, p, others))


async def _pick_stage(query: CallbackQuery, ctx: Ctx, pid: PipelineId, arg: int) -> None:
    others = await pipelines.other_pipelines(ctx.uow, ctx.staff, pid)
    target = next((o for o in others if o.id == arg), None)
    if target is None:
        raise PipelineNotFoundError()
    await show(query, kbs.target_stages_screen(ctx.t, pid, target))


_ARCHIVE_STEPS: dict[PipeAction, Step] = {
    PipeAction.ARCHIVE: _archive_ask,
    PipeAction.ARCHIVE_YES: _archive,
    PipeAction.MOVE_ALL: _pick_pipeline,
    PipeAction.MOVE_TO_PIPELINE: _pick_stage,
    PipeAction.MOVE_AND_ARCHIVE: _archive,
}


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="pipelines")
    router.message.filter(is_admin)
    router.callback_query.filter(is_admin)
    router.message(Command("pipelines"))(cmd_pipelines)
    router.callback_query(NewPipeCb.filter(F.kind.in_({*TEMPLATE_KINDS, EMPTY})))(on_new_pipeline)
    router.callback_query(PipeCb.filter())(on_pipeline)
    router.callback_query(StageCb.filter())(on_stage)
    router.callback_query(ReasonCb.filter())(on_reason)
    router.message(PipelineEdit.text, TypedText())(on_text)
    return router
