"""`/pipelines` (admins): buttons walk the editor, one typed step changes a name or a number."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain.errors import (
    PipelineHasOpenDealsError,
    PipelineNotFoundError,
    StageHasDealsError,
)
from bot.domain.ids import LostReasonId, PipelineId, StageId, UserId
from bot.domain.models import Stage, User
from bot.domain.pipelines import STALL_DAYS_MAX
from bot.domain.text import LOST_REASON_MAX, PIPELINE_NAME_MAX, STAGE_NAME_MAX
from bot.i18n import Translator
from bot.services import pipelines, stages
from bot.services.pipelines import EMPTY, TEMPLATE_KINDS, PipelineView
from bot.services.ports import UnitOfWork
from handlers.filters import TypedText
from handlers.pipelines import keyboards as kbs
from handlers.pipelines.callbacks import (
    NewPipeCb,
    PipeAction,
    PipeCb,
    ReasonAction,
    ReasonCb,
    StageAction,
    StageCb,
)
from handlers.pipelines.states import Field, PipelineEdit
from handlers.settings import is_admin


async def _show(query: CallbackQuery, screen: kbs.Screen, alert: str | None = None) -> None:
    await query.answer(alert)
    if isinstance(query.message, Message):
        await query.message.edit_text(screen[0], reply_markup=screen[1])


async def _ask(
    query: CallbackQuery, state: FSMContext, field: Field, target: int, text: str
) -> None:
    await state.set_state(PipelineEdit.text)
    await state.update_data(field=field.value, target=target)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(text)


async def cmd_pipelines(
    message: Message, uow: UnitOfWork, user: User, t: Translator, state: FSMContext
) -> None:
    await state.clear()
    text, markup = kbs.pipelines_screen(t, await pipelines.list_pipelines(uow, user))
    await message.answer(text, reply_markup=markup)


async def on_new_pipeline(
    query: CallbackQuery,
    callback_data: NewPipeCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    state: FSMContext,
) -> None:
    if callback_data.kind == EMPTY:
        pipelines.require_admin(user)
        ask = t("pipes.ask_name", limit=PIPELINE_NAME_MAX)
        await _ask(query, state, Field.PIPELINE_NAME, 0, ask)
        return
    view = await pipelines.create_pipeline(uow, user, callback_data.kind, t.lang, now)
    await _show(query, kbs.pipeline_screen(t, view), t("pipes.created", name=view.pipeline.name))


async def on_pipeline(
    query: CallbackQuery,
    callback_data: PipeCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    state: FSMContext,
) -> None:
    action, pid, arg = callback_data.action, PipelineId(callback_data.id), callback_data.arg
    if action is PipeAction.LIST:
        await _show(query, kbs.pipelines_screen(t, await pipelines.list_pipelines(uow, user)))
    elif action is PipeAction.NEW:
        pipelines.require_admin(user)
        await _show(query, kbs.templates_screen(t))
    elif action in _ASKS:
        view = await pipelines.open_pipeline(uow, user, pid)
        field, key, limit = _ASKS[action]
        text = t(key, name=html.escape(view.pipeline.name), limit=limit)
        await _ask(query, state, field, pid, text)
    elif action is PipeAction.REASONS:
        view = await pipelines.open_pipeline(uow, user, pid)
        await _show(query, kbs.reasons_screen(t, view.pipeline))
    else:
        await _ARCHIVE_STEPS.get(action, _open)(query, uow, user, t, now, pid, arg)


_ASKS = {
    PipeAction.RENAME: (Field.PIPELINE_RENAME, "pipes.ask_rename", PIPELINE_NAME_MAX),
    PipeAction.ADD_STAGE: (Field.STAGE_ADD, "pipes.ask_stage", STAGE_NAME_MAX),
    PipeAction.ADD_REASON: (Field.REASON_ADD, "pipes.ask_reason", LOST_REASON_MAX),
}
Step = Callable[
    [CallbackQuery, UnitOfWork, User, Translator, datetime, PipelineId, int], Awaitable[None]
]


async def _open(
    query: CallbackQuery,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    pid: PipelineId,
    arg: int,
) -> None:
    await _show(query, kbs.pipeline_screen(t, await pipelines.open_pipeline(uow, user, pid)))


async def _archive_ask(
    query: CallbackQuery,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    pid: PipelineId,
    arg: int,
) -> None:
    p = (await pipelines.open_pipeline(uow, user, pid)).pipeline
    await _show(
        query,
        kbs.confirm_screen(
            t,
            t("pipes.archive.confirm", name=html.escape(p.name)),
            t("pipes.btn.archive_yes"),
            PipeCb(action=PipeAction.ARCHIVE_YES, id=pid),
            PipeCb(action=PipeAction.OPEN, id=pid),
        ),
    )


async def _archive(
    query: CallbackQuery,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    pid: PipelineId,
    arg: int,
) -> None:
    move_to = StageId(arg) if arg else None
    try:
        archived, moved = await pipelines.archive_pipeline(uow, user, pid, now, move_to)
    except PipelineHasOpenDealsError as refused:
        p = (await pipelines.open_pipeline(uow, user, pid)).pipeline
        count = refused.params["count"]
        assert isinstance(count, int)
        await _show(query, kbs.has_deals_screen(t, p, count))
        return
    text = t("pipes.archived", name=html.escape(archived.name), count=moved)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text)
        screen = kbs.pipelines_screen(t, await pipelines.list_pipelines(uow, user))
        await query.message.answer(screen[0], reply_markup=screen[1])


async def _pick_pipeline(
    query: CallbackQuery,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    pid: PipelineId,
    arg: int,
) -> None:
    others = await pipelines.other_pipelines(uow, user, pid)
    p = (await pipelines.open_pipeline(uow, user, pid)).pipeline
    await _show(query, kbs.target_pipelines_screen(t, p, others))


async def _pick_stage(
    query: CallbackQuery,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    pid: PipelineId,
    arg: int,
) -> None:
    others = await pipelines.other_pipelines(uow, user, pid)
    target = next((o for o in others if o.id == arg), None)
    if target is None:
        raise PipelineNotFoundError()
    await _show(query, kbs.target_stages_screen(t, pid, target))


_ARCHIVE_STEPS: dict[PipeAction, Step] = {
    PipeAction.ARCHIVE: _archive_ask,
    PipeAction.ARCHIVE_YES: _archive,
    PipeAction.MOVE_ALL: _pick_pipeline,
    PipeAction.MOVE_TO_PIPELINE: _pick_stage,
    PipeAction.MOVE_AND_ARCHIVE: _archive,
}


async def on_stage(
    query: CallbackQuery,
    callback_data: StageCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    state: FSMContext,
) -> None:
    action, sid, arg = callback_data.action, StageId(callback_data.id), callback_data.arg
    view, stage = await stages.open_stage(uow, user, sid)
    name = html.escape(stage.name)
    if action is StageAction.RENAME:
        ask = t("pipes.ask_rename", name=name, limit=STAGE_NAME_MAX)
        await _ask(query, state, Field.STAGE_RENAME, sid, ask)
    elif action is StageAction.PROBABILITY:
        ask = t("pipes.ask_probability", name=name, value=stage.probability)
        await _ask(query, state, Field.PROBABILITY, sid, ask)
    elif action is StageAction.STALL:
        value = t.n("days", stage.stall_days)
        ask = t("pipes.ask_stall", name=name, value=value, limit=STALL_DAYS_MAX)
        await _ask(query, state, Field.STALL, sid, ask)
    elif action is StageAction.OWNER:
        people = await stages.owner_candidates(uow, user)
        await _show(query, kbs.owners_screen(t, stage, people))
    elif action is StageAction.DELETE:
        yes = StageCb(action=StageAction.DELETE_YES, id=sid)
        back = StageCb(action=StageAction.OPEN, id=sid)
        text = t("pipes.delete.confirm", name=name)
        await _show(query, kbs.confirm_screen(t, text, t("pipes.btn.delete_yes"), yes, back))
    elif action in (StageAction.DELETE_YES, StageAction.DELETE_MOVING):
        await _delete(query, uow, user, t, now, stage, arg)
    else:
        if action in (StageAction.UP, StageAction.DOWN):
            view = await stages.shift_stage(uow, user, sid, action is StageAction.UP, now)
        elif action is StageAction.OWNER_SET:
            owner = UserId(arg) if arg else None
            view = await stages.set_stage_owner(uow, user, sid, owner, now)
        fresh = view.pipeline.stage(sid)
        assert fresh is not None
        await _show(query, kbs.stage_screen(t, view, fresh))


async def _delete(
    query: CallbackQuery,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    stage: Stage,
    arg: int,
) -> None:
    move_to = StageId(arg) if arg else None
    try:
        view, moved = await stages.delete_stage(uow, user, stage.id, now, move_to)
    except StageHasDealsError as refused:
        count = refused.params["count"]
        assert isinstance(count, int)
        pipeline = await pipelines.open_pipeline(uow, user, stage.pipeline_id)
        await _show(query, kbs.move_stages_screen(t, stage, pipeline.pipeline, count))
        return
    await query.answer(t("pipes.deleted", name=stage.name, count=moved), show_alert=True)
    if isinstance(query.message, Message):
        text, markup = kbs.pipeline_screen(t, view)
        await query.message.edit_text(text, reply_markup=markup)


async def on_reason(
    query: CallbackQuery,
    callback_data: ReasonCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    state: FSMContext,
) -> None:
    rid = LostReasonId(callback_data.id)
    reason = await pipelines.open_reason(uow, user, rid)
    if callback_data.action is ReasonAction.RENAME:
        ask = t("pipes.ask_rename", name=html.escape(reason.name), limit=LOST_REASON_MAX)
        await _ask(query, state, Field.REASON_RENAME, rid, ask)
    elif callback_data.action is ReasonAction.ARCHIVE:
        view = await pipelines.archive_reason(uow, user, rid, now)
        await query.answer(t("pipes.reason_archived", name=reason.name), show_alert=True)
        if isinstance(query.message, Message):
            text, markup = kbs.reasons_screen(t, view.pipeline)
            await query.message.edit_text(text, reply_markup=markup)
    else:
        await _show(query, kbs.reason_screen(t, reason))


async def _apply(
    field: Field, uow: UnitOfWork, user: User, target: int, text: str, now: datetime, lang: str
) -> tuple[PipelineView, bool]:
    """The typed text to the service its step stands for; True asks for the stage warning."""
    pid, sid, rid = PipelineId(target), StageId(target), LostReasonId(target)
    match field:
        case Field.PIPELINE_NAME:
            return await pipelines.create_pipeline(uow, user, EMPTY, lang, now, name=text), False
        case Field.PIPELINE_RENAME:
            return await pipelines.rename_pipeline(uow, user, pid, text, now), False
        case Field.STAGE_ADD:
            return await stages.add_stage(uow, user, pid, text, now)
        case Field.STAGE_RENAME:
            return await stages.rename_stage(uow, user, sid, text, now)
        case Field.PROBABILITY:
            return await stages.set_probability(uow, user, sid, text, now), False
        case Field.STALL:
            return await stages.set_stall_days(uow, user, sid, text, now), False
        case Field.REASON_ADD:
            return await pipelines.add_reason(uow, user, pid, text, now), False
        case Field.REASON_RENAME:
            return await pipelines.rename_reason(uow, user, rid, text, now), False


async def on_text(
    message: Message,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    state: FSMContext,
) -> None:
    """A typed name or number; a mistake is answered and the step stays for another try."""
    data = await state.get_data()
    field, target = Field(str(data.get("field"))), int(data.get("target", 0))
    view, warn = await _apply(field, uow, user, target, message.text or "", now, t.lang)
    await state.clear()
    if warn:
        typed = " ".join((message.text or "").split())
        await message.answer(t("pipes.warn_client_state", name=html.escape(typed)))
    await message.answer(t("pipes.saved"))
    if field in (Field.REASON_ADD, Field.REASON_RENAME):
        text, markup = kbs.reasons_screen(t, view.pipeline)
    else:
        text, markup = kbs.pipeline_screen(t, view)
    await message.answer(text, reply_markup=markup)


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
