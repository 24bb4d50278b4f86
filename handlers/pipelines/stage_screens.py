"""The stage and lost-reason screens of the editor."""

from __future__ import annotations

import html
from datetime import datetime

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.domain.errors import StageHasDealsError
from bot.domain.ids import LostReasonId, StageId, UserId
from bot.domain.models import Stage, User
from bot.domain.pipelines import STALL_DAYS_MAX
from bot.domain.text import LOST_REASON_MAX, STAGE_NAME_MAX
from bot.i18n import Translator
from bot.services import pipelines, stages
from bot.services.ports import UnitOfWork
from handlers.pipelines import keyboards as kbs
from handlers.pipelines.callbacks import ReasonAction, ReasonCb, StageAction, StageCb
from handlers.pipelines.replies import ask
from handlers.pipelines.states import Field
from handlers.screens import show


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
        question = t("pipes.ask_rename", name=name, limit=STAGE_NAME_MAX)
        await ask(query, state, Field.STAGE_RENAME, sid, question)
    elif action is StageAction.PROBABILITY:
        question = t("pipes.ask_probability", name=name, value=stage.probability)
        await ask(query, state, Field.PROBABILITY, sid, question)
    elif action is StageAction.STALL:
        value = t.n("days", stage.stall_days)
        question = t("pipes.ask_stall", name=name, value=value, limit=STALL_DAYS_MAX)
        await ask(query, state, Field.STALL, sid, question)
    elif action is StageAction.OWNER:
        people = await stages.owner_candidates(uow, user)
        await show(query, kbs.owners_screen(t, stage, people))
    elif action is StageAction.DELETE:
        yes = StageCb(action=StageAction.DELETE_YES, id=sid)
        back = StageCb(action=StageAction.OPEN, id=sid)
        text = t("pipes.delete.confirm", name=name)
        await show(query, kbs.confirm_screen(t, text, t("pipes.btn.delete_yes"), yes, back))
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
        await show(query, kbs.stage_screen(t, view, fresh))


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
        await show(query, kbs.move_stages_screen(t, stage, pipeline.pipeline, count))
        return
    deleted = t("pipes.deleted", name=stage.name, count=moved)
    await show(query, kbs.pipeline_screen(t, view), deleted, show_alert=True)


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
        question = t("pipes.ask_rename", name=html.escape(reason.name), limit=LOST_REASON_MAX)
        await ask(query, state, Field.REASON_RENAME, rid, question)
    elif callback_data.action is ReasonAction.ARCHIVE:
        view = await pipelines.archive_reason(uow, user, rid, now)
        archived = t("pipes.reason_archived", name=reason.name)
        await show(query, kbs.reasons_screen(t, view.pipeline), archived, show_alert=True)
    else:
        await show(query, kbs.reason_screen(t, reason))
