"""The typed step of the editor: a name or a number goes to the service its button named."""

from __future__ import annotations

import html

from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.domain.ids import LostReasonId, PipelineId, StageId
from bot.services import pipelines, stages
from bot.services.pipelines import EMPTY, PipelineView
from handlers.context import Ctx
from handlers.pipelines import keyboards as kbs
from handlers.pipelines.states import Field


async def _apply(
    field: Field, ctx: Ctx, target: int, text: str, lang: str
) -> tuple[PipelineView, bool]:
    """The typed text to the service its step stands for; True asks for the stage warning."""
    pid, sid, rid = PipelineId(target), StageId(target), LostReasonId(target)
    match field:
        case Field.PIPELINE_NAME:
            return await pipelines.create_pipeline(
                ctx.uow, ctx.staff, EMPTY, lang, ctx.now, name=text
            ), False
        case Field.PIPELINE_RENAME:
            return await pipelines.rename_pipeline(ctx.uow, ctx.staff, pid, text, ctx.now), False
        case Field.STAGE_ADD:
            return await stages.add_stage(ctx.uow, ctx.staff, pid, text, ctx.now)
        case Field.STAGE_RENAME:
            return await stages.rename_stage(ctx.uow, ctx.staff, sid, text, ctx.now)
        case Field.PROBABILITY:
            return await stages.set_probability(ctx.uow, ctx.staff, sid, text, ctx.now), False
        case Field.STALL:
            return await stages.set_stall_days(ctx.uow, ctx.staff, sid, text, ctx.now), False
        case Field.REASON_ADD:
            return await pipelines.add_reason(ctx.uow, ctx.staff, pid, text, ctx.now), False
        case Field.REASON_RENAME:
            return await pipelines.rename_reason(ctx.uow, ctx.staff, rid, text, ctx.now), False


async def on_text(message: Message, ctx: Ctx, state: FSMContext) -> None:
    """A typed name or number; a mistake is answered and the step stays for another try."""
    data = await state.get_data()
    field, target = Field(str(data.get("field"))), int(data.get("target", 0))
    view, warn = await _apply(field, ctx, target, message.text or "", ctx.t.lang)
    await state.clear()
    if warn:
        typed = " ".join((message.text or "").split())
        await message.answer(ctx.t("pipes.warn_client_state", name=html.escape(typed)))
    await message.answer(ctx.t("pipes.saved"))
    if field in (Field.REASON_ADD, Field.REASON_RENAME):
        text, markup = kbs.reasons_screen(ctx.t, view.pipeline)
    else:
        text, markup = kbs.pipeline_screen(ctx.t, view)
    await message.answer(text, reply_markup=markup)
