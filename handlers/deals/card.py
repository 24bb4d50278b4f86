"""The deal card: every button edits it in place and answers the press at once."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.domain.errors import EmptyTextError, StaleActionError, TextTooLongError
from bot.domain.ids import DealId, LostReasonId, StageId
from bot.services import deals
from handlers import screens
from handlers.context import Ctx
from handlers.deals.callbacks import CardAction, DealCb
from handlers.deals.inbox_views import history_keyboard
from handlers.deals.states import DealInput
from handlers.deals.views import (
    back_to_card,
    card_keyboard,
    card_screen,
    card_text,
    history_text,
    reasons_keyboard,
    stages_keyboard,
)
from handlers.filters import IsStaff, TypedText
from handlers.screens import message_of
from handlers.surveys.callbacks import AskFeedbackCb
from handlers.tasks.next_step import asking_in_card, prompt_is_live


@asynccontextmanager
async def input_step(state: FSMContext) -> AsyncIterator[None]:
    """Leave the typing step when it is done or cannot go on; stay in it to retype bad text."""
    try:
        yield
    except (TextTooLongError, EmptyTextError):
        raise
    except BaseException:
        await state.clear()
        raise
    await state.clear()


async def _show(query: CallbackQuery, ctx: Ctx, view: deals.DealView, toast: str = "") -> None:
    await screens.show(query, card_screen(ctx.t, view, ctx.tz), toast)


async def _refresh_after_stale(query: CallbackQuery, ctx: Ctx, deal_id: DealId) -> None:
    view = await deals.open_deal(ctx.uow, ctx.staff, deal_id, ctx.now)
    card = card_screen(ctx.t, view, ctx.tz)
    await screens.show(query, card, ctx.t("error.stale_action"), show_alert=True)


Handler = Callable[..., Awaitable[None]]


def refreshing(handler: Handler) -> Handler:
    """A change pressed on an outdated card shows the card as it is now, with a word why."""

    @functools.wraps(handler)
    async def wrapper(query: CallbackQuery, ctx: Ctx, callback_data: DealCb, **data: Any) -> None:
        try:
            await handler(query, ctx, callback_data, **data)
        except StaleActionError:
            await _refresh_after_stale(query, ctx, DealId(callback_data.deal_id))

    return wrapper


async def on_open(query: CallbackQuery, ctx: Ctx, callback_data: DealCb, state: FSMContext) -> None:
    await state.clear()
    await _show(
        query,
        ctx,
        await deals.open_deal(ctx.uow, ctx.staff, DealId(callback_data.deal_id), ctx.now),
    )


async def on_stage_chosen(
    query: CallbackQuery, ctx: Ctx, callback_data: DealCb, state: FSMContext
) -> None:
    """The move, answered by two requests: the toast, and the card edited to ask for the
    deal's next step (the question and its quick picks folded into the card)."""
    deal_id = DealId(callback_data.deal_id)
    view, moved = await deals.move_deal(
        ctx.uow, ctx.staff, deal_id, StageId(callback_data.arg), ctx.now, ctx.notifier
    )
    if not moved:
        await _show(query, ctx, view, ctx.t("card.already_there", stage=view.stage.name))
        return
    card = card_screen(ctx.t, view, ctx.tz)
    toast = ctx.t("card.moved", stage=view.stage.name)
    await screens.show(query, asking_in_card(ctx, card, view.deal.id, view.deal.title), toast)
    await prompt_is_live(message_of(query), state, view.deal.id, card)


async def on_choose_stage(query: CallbackQuery, ctx: Ctx, callback_data: DealCb) -> None:
    view = await deals.open_deal(ctx.uow, ctx.staff, DealId(callback_data.deal_id), ctx.now)
    await query.answer()
    await message_of(query).edit_text(
        card_text(ctx.t, view, ctx.tz) + "\n\n" + ctx.t("card.choose_stage"),
        reply_markup=stages_keyboard(ctx.t, view),
    )


async def on_won(query: CallbackQuery, ctx: Ctx, callback_data: DealCb) -> None:
    deal_id = DealId(callback_data.deal_id)
    view = await deals.win_deal(ctx.uow, ctx.staff, deal_id, ctx.now)
    await _show(query, ctx, view, ctx.t("card.won_toast"))
    if view.deal.client is not None:
        ask = AskFeedbackCb(deal_id=view.deal.id).pack()
        button = InlineKeyboardButton(text=ctx.t("feedback.btn.ask"), callback_data=ask)
        markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
        await message_of(query).answer(ctx.t("feedback.prompt"), reply_markup=markup)


async def on_lost(query: CallbackQuery, ctx: Ctx, callback_data: DealCb) -> None:
    view = await deals.open_deal(ctx.uow, ctx.staff, DealId(callback_data.deal_id), ctx.now)
    if not view.deal.is_open:
        await _show(query, ctx, view, ctx.t("error.deal_closed"))
        return
    await query.answer()
    await message_of(query).edit_text(
        card_text(ctx.t, view, ctx.tz) + "\n\n" + ctx.t("lost.choose"),
        reply_markup=reasons_keyboard(ctx.t, view),
    )


async def on_lost_reason(query: CallbackQuery, ctx: Ctx, callback_data: DealCb) -> None:
    deal_id = DealId(callback_data.deal_id)
    view = await deals.lose_deal(
        ctx.uow, ctx.staff, deal_id, ctx.now, reason_id=LostReasonId(callback_data.arg)
    )
    await _show(query, ctx, view, ctx.t("card.lost_toast"))


async def on_note_wanted(
    query: CallbackQuery, ctx: Ctx, callback_data: DealCb, state: FSMContext
) -> None:
    view = await deals.open_deal(ctx.uow, ctx.staff, DealId(callback_data.deal_id), ctx.now)
    await _ask_text(query, ctx, state, view, DealInput.note, "note.ask")


async def on_reason_text_wanted(
    query: CallbackQuery, ctx: Ctx, callback_data: DealCb, state: FSMContext
) -> None:
    view = await deals.open_deal(ctx.uow, ctx.staff, DealId(callback_data.deal_id), ctx.now)
    if not view.deal.is_open:
        await _show(query, ctx, view, ctx.t("error.deal_closed"))
        return
    await _ask_text(query, ctx, state, view, DealInput.lost_reason, "lost.ask_text")


async def _ask_text(
    query: CallbackQuery,
    ctx: Ctx,
    state: FSMContext,
    view: deals.DealView,
    step: State,
    question: str,
) -> None:
    await state.set_state(step)
    await state.update_data(deal_id=view.deal.id)
    await query.answer()
    await message_of(query).answer(ctx.t(question), reply_markup=back_to_card(ctx.t, view.deal.id))


async def on_note_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    deal_id = DealId((await state.get_data())["deal_id"])
    async with input_step(state):
        view = await deals.add_note(ctx.uow, ctx.staff, deal_id, message.text or "", ctx.now)
    await message.answer(ctx.t("note.saved"))
    await message.answer(card_text(ctx.t, view, ctx.tz), reply_markup=card_keyboard(ctx.t, view))


async def on_lost_reason_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    deal_id = DealId((await state.get_data())["deal_id"])
    async with input_step(state):
        view = await deals.lose_deal(
            ctx.uow, ctx.staff, deal_id, ctx.now, reason_text=message.text or ""
        )
    await message.answer(card_text(ctx.t, view, ctx.tz), reply_markup=card_keyboard(ctx.t, view))


async def on_reopen(query: CallbackQuery, ctx: Ctx, callback_data: DealCb) -> None:
    deal_id = DealId(callback_data.deal_id)
    view = await deals.reopen_deal(ctx.uow, ctx.staff, deal_id, ctx.now)
    await _show(query, ctx, view, ctx.t("card.reopened"))


async def on_history(query: CallbackQuery, ctx: Ctx, callback_data: DealCb) -> None:
    view, events, names, stages = await deals.deal_history(
        ctx.uow, ctx.staff, DealId(callback_data.deal_id), ctx.now
    )
    await query.answer()
    await message_of(query).edit_text(
        history_text(ctx.t, view, events, names, stages, ctx.tz),
        reply_markup=history_keyboard(ctx.t, view, events, back_to_card(ctx.t, view.deal.id)),
    )


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="deal_card")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query(DealCb.filter(F.action == CardAction.OPEN))(on_open)
    router.callback_query(DealCb.filter(F.action == CardAction.MOVE))(refreshing(on_stage_chosen))
    router.callback_query(DealCb.filter(F.action == CardAction.STAGES))(on_choose_stage)
    router.callback_query(DealCb.filter(F.action == CardAction.WON))(refreshing(on_won))
    router.callback_query(DealCb.filter(F.action == CardAction.LOST))(on_lost)
    router.callback_query(DealCb.filter(F.action == CardAction.REASON))(refreshing(on_lost_reason))
    router.callback_query(DealCb.filter(F.action == CardAction.REASON_TEXT))(on_reason_text_wanted)
    router.callback_query(DealCb.filter(F.action == CardAction.NOTE))(on_note_wanted)
    router.message(DealInput.note, TypedText())(on_note_typed)
    router.message(DealInput.lost_reason, TypedText())(on_lost_reason_typed)
    router.callback_query(DealCb.filter(F.action == CardAction.REOPEN))(refreshing(on_reopen))
    router.callback_query(DealCb.filter(F.action == CardAction.HISTORY))(on_history)
    return router
