"""The client's side: the score, the reason, "don't ask me again". Nothing else."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.domain.ids import TelegramId
from bot.domain.models import Role
from bot.domain.surveys import OpenedSurvey
from bot.i18n import Translator
from bot.services import surveys
from handlers.context import Ctx
from handlers.filters import TypedText
from handlers.keyboards import settle
from handlers.screens import message_of
from handlers.surveys.callbacks import OPT_OUT, ScoreCb, SkipCommentCb
from handlers.surveys.views import question_text, score_keyboard, skip_keyboard


class SurveyComment(StatesGroup):
    text = State()


async def show_question(
    message: Message, t: Translator, opened: OpenedSurvey, company: str
) -> None:
    """The question with 0–10 buttons, when the client opens their link."""
    markup = score_keyboard(t, opened.survey.id)
    await message.answer(question_text(t, opened, company), reply_markup=markup)


async def on_opt_out(query: CallbackQuery, ctx: Ctx, callback_data: ScoreCb) -> None:
    """ "Don't ask me again"."""
    await surveys.opt_out(ctx.uow, TelegramId(query.from_user.id), callback_data.survey_id)
    await query.answer()
    await message_of(query).edit_text(ctx.t("survey.opted_out"))


async def on_score(
    query: CallbackQuery, ctx: Ctx, callback_data: ScoreCb, state: FSMContext
) -> None:
    tg_id = TelegramId(query.from_user.id)
    survey = await surveys.record_score(
        ctx.uow, tg_id, callback_data.survey_id, callback_data.score, ctx.now, ctx.notifier
    )
    await state.set_state(SurveyComment.text)
    await state.update_data(survey_id=survey.id)
    await query.answer(ctx.t("survey.thanks_toast"))
    await settle(query)
    await message_of(query).answer(
        ctx.t("survey.why"), reply_markup=skip_keyboard(ctx.t, survey.id)
    )


async def on_comment(message: Message, ctx: Ctx, state: FSMContext) -> None:
    survey_id = int((await state.get_data())["survey_id"])
    tg_id = TelegramId(message.chat.id)
    await surveys.record_comment(
        ctx.uow, tg_id, survey_id, message.text or "", ctx.now, ctx.notifier
    )
    await state.clear()
    await message.answer(ctx.t("survey.thanks"))


async def on_skip_comment(query: CallbackQuery, ctx: Ctx, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    await message_of(query).edit_text(ctx.t("survey.thanks"))


async def on_client_text(message: Message, ctx: Ctx) -> None:
    """A client typed instead of pressing a score: show the buttons again, or say politely
    that this chat is only for surveys."""
    survey = await surveys.awaiting_score(ctx.uow, TelegramId(message.chat.id), ctx.now)
    if survey is None:
        await message.answer(ctx.t("client.only_surveys"))
        return
    await message.answer(ctx.t("survey.press_score"), reply_markup=score_keyboard(ctx.t, survey.id))


async def is_client(_: object, ctx: Ctx | None = None) -> bool:
    return ctx is not None and ctx.user is not None and ctx.user.role is Role.CLIENT


async def is_client_or_stranger(_: object, ctx: Ctx | None = None) -> bool:
    return ctx is not None and (ctx.user is None or ctx.user.role is Role.CLIENT)


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="survey_client")
    router.callback_query(ScoreCb.filter(F.score == OPT_OUT))(on_opt_out)
    router.callback_query(ScoreCb.filter(F.score != OPT_OUT))(on_score)
    router.callback_query(SkipCommentCb.filter())(on_skip_comment)
    router.message(SurveyComment.text, TypedText(), is_client_or_stranger)(on_comment)
    router.message(is_client)(on_client_text)
    return router
