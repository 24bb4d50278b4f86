"""`/pipelines` (admins): buttons walk the editor, one typed step changes a name or a number."""

from __future__ import annotations

import html

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
from handlers.pipelines import stage_screens
from handlers.pipelines.callbacks import (
    NewPipeCb,
    PipeAction,
    PipeCb,
)
from handlers.pipelines.replies import ask
from handlers.pipelines.states import Field, PipelineEdit
from handlers.pipelines.typed import on_text
from handlers.screens import message_of, show
from handlers.settings import is_admin


async def cmd_pipelines(message: Message, ctx: Ctx, state: FSMContext) -> None:
    await state.clear()
    text, markup = kbs.pipelines_screen(ctx.t, await pipelines.list_pipelines(ctx.uow, ctx.staff))
    await message.answer(text, reply_markup=markup)


async def on_empty_pipeline(
    query: CallbackQuery, ctx: Ctx, callback_data: NewPipeCb, state: FSMContext
) -> None:
    pipelines.require_admin(ctx.staff)
    question = ctx.t("pipes.ask_name", limit=PIPELINE_NAME_MAX)
    await ask(query, state, Field.PIPELINE_NAME, 0, question)


async def on_new_pipeline(query: CallbackQuery, ctx: Ctx, callback_data: NewPipeCb) -> None:
    view = await pipelines.create_pipeline(
        ctx.uow, ctx.staff, callback_data.kind, ctx.t.lang, ctx.now
    )
    await show(
        query, kbs.pipeline_screen(ctx.t, view), ctx.t("pipes.created", name=view.pipeline.name)
    )


async def on_list(query: CallbackQuery, ctx: Ctx) -> None:
    await show(
        query, kbs.pipelines_screen(ctx.t, await pipelines.list_pipelines(ctx.uow, ctx.staff))
    )


async def on_templates(query: CallbackQuery, ctx: Ctx) -> None:
    pipelines.require_admin(ctx.staff)
    await show(query, kbs.templates_screen(ctx.t))


async def on_open(query: CallbackQuery, ctx: Ctx, callback_data: PipeCb) -> None:
    view = await pipelines.open_pipeline(ctx.uow, ctx.staff, PipelineId(callback_data.id))
    await show(query, kbs.pipeline_screen(ctx.t, view))


async def on_ask(query: CallbackQuery, ctx: Ctx, callback_data: PipeCb, state: FSMContext) -> None:
    """Rename the pipeline, or add a stage or a lost reason to it: a typed step."""
    pid = PipelineId(callback_data.id)
    view = await pipelines.open_pipeline(ctx.uow, ctx.staff, pid)
    field, key, limit = _ASKS[callback_data.action]
    text = ctx.t(key, name=html.escape(view.pipeline.name), limit=limit)
    await ask(query, state, field, pid, text)


_ASKS = {
    PipeAction.RENAME: (Field.PIPELINE_RENAME, "pipes.ask_rename", PIPELINE_NAME_MAX),
    PipeAction.ADD_STAGE: (Field.STAGE_ADD, "pipes.ask_stage", STAGE_NAME_MAX),
    PipeAction.ADD_REASON: (Field.REASON_ADD, "pipes.ask_reason", LOST_REASON_MAX),
}


async def on_reasons(query: CallbackQuery, ctx: Ctx, callback_data: PipeCb) -> None:
    view = await pipelines.open_pipeline(ctx.uow, ctx.staff, PipelineId(callback_data.id))
    await show(query, kbs.reasons_screen(ctx.t, view.pipeline))


async def on_archive_ask(query: CallbackQuery, ctx: Ctx, callback_data: PipeCb) -> None:
    pid = PipelineId(callback_data.id)
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


async def on_archive(query: CallbackQuery, ctx: Ctx, callback_data: PipeCb) -> None:
    """Archive the pipeline; with a stage in `arg`, its open deals move there first."""
    pid, arg = PipelineId(callback_data.id), callback_data.arg
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
    message = message_of(query)
    await message.edit_text(text)
    screen = kbs.pipelines_screen(ctx.t, await pipelines.list_pipelines(ctx.uow, ctx.staff))
    await message.answer(screen[0], reply_markup=screen[1])


async def on_pick_pipeline(query: CallbackQuery, ctx: Ctx, callback_data: PipeCb) -> None:
    """Where the open deals go before the pipeline is archived: first the pipeline."""
    pid = PipelineId(callback_data.id)
    others = await pipelines.other_pipelines(ctx.uow, ctx.staff, pid)
    p = (await pipelines.open_pipeline(ctx.uow, ctx.staff, pid)).pipeline
    await show(query, kbs.target_pipelines_screen(ctx.t, p, others))


async def on_pick_stage(query: CallbackQuery, ctx: Ctx, callback_data: PipeCb) -> None:
    """…then the stage of the pipeline picked (`arg`)."""
    pid = PipelineId(callback_data.id)
    others = await pipelines.other_pipelines(ctx.uow, ctx.staff, pid)
    target = next((o for o in others if o.id == callback_data.arg), None)
    if target is None:
        raise PipelineNotFoundError()
    await show(query, kbs.target_stages_screen(ctx.t, pid, target))


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="pipelines")
    router.message.filter(is_admin)
    router.callback_query.filter(is_admin)
    router.message(Command("pipelines"))(cmd_pipelines)
    router.callback_query(NewPipeCb.filter(F.kind == EMPTY))(on_empty_pipeline)
    router.callback_query(NewPipeCb.filter(F.kind.in_(TEMPLATE_KINDS)))(on_new_pipeline)
    router.callback_query(PipeCb.filter(F.action == PipeAction.LIST))(on_list)
    router.callback_query(PipeCb.filter(F.action == PipeAction.NEW))(on_templates)
    router.callback_query(PipeCb.filter(F.action == PipeAction.OPEN))(on_open)
    router.callback_query(PipeCb.filter(F.action.in_(set(_ASKS))))(on_ask)
    router.callback_query(PipeCb.filter(F.action == PipeAction.REASONS))(on_reasons)
    router.callback_query(PipeCb.filter(F.action == PipeAction.ARCHIVE))(on_archive_ask)
    archive = {PipeAction.ARCHIVE_YES, PipeAction.MOVE_AND_ARCHIVE}
    router.callback_query(PipeCb.filter(F.action.in_(archive)))(on_archive)
    router.callback_query(PipeCb.filter(F.action == PipeAction.MOVE_ALL))(on_pick_pipeline)
    router.callback_query(PipeCb.filter(F.action == PipeAction.MOVE_TO_PIPELINE))(on_pick_stage)
    stage_screens.register(router)
    router.message(PipelineEdit.text, TypedText())(on_text)
    return router
