"""The deal card: every button edits it in place and answers the press at once."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.domain.errors import EmptyTextError, StaleActionError, TextTooLongError
from bot.domain.ids import DealId, LostReasonId, StageId
from bot.domain.models import User
from bot.i18n import Translator
from bot.services import deals
from bot.services.ports import Notifier, UnitOfWork
from handlers import screens
from handlers.deals.callbacks import CardAction, DealCb
from handlers.deals.states import DealInput
from handlers.deals.views import (
    back_to_card,
    card_keyboard,
    card_text,
    history_text,
    reasons_keyboard,
    stages_keyboard,
)
from handlers.filters import IsStaff, TypedText
from handlers.surveys.callbacks import AskFeedbackCb
from handlers.tasks.views import next_step_prompt


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


async def _show(
    query: CallbackQuery, t: Translator, tz: ZoneInfo, view: deals.DealView, toast: str = ""
) -> None:
    await screens.show(query, (card_text(t, view, tz), card_keyboard(t, view)), toast)


async def _refresh_after_stale(
    query: CallbackQuery,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    deal_id: DealId,
    now: datetime,
) -> None:
    view = await deals.open_deal(uow, user, deal_id, now)
    card = (card_text(t, view, tz), card_keyboard(t, view))
    await screens.show(query, card, t("error.stale_action"), show_alert=True)


Handler = Callable[..., Awaitable[None]]


def refreshing(handler: Handler) -> Handler:
    """A change pressed on an outdated card shows the card as it is now, with a word why."""

    @functools.wraps(handler)
    async def wrapper(query: CallbackQuery, callback_data: DealCb, **data: Any) -> None:
        try:
            await handler(query, callback_data, **data)
        except StaleActionError:
            deal_id = DealId(callback_data.deal_id)
            await _refresh_after_stale(
                query, data["uow"], data["user"], data["t"], data["tz"], deal_id, data["now"]
            )

    return wrapper


async def on_open(
    query: CallbackQuery,
    callback_data: DealCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
    state: FSMContext,
) -> None:
    await state.clear()
    await _show(query, t, tz, await deals.open_deal(uow, user, DealId(callback_data.deal_id), now))


async def on_stage_chosen(
    query: CallbackQuery,
    callback_data: DealCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
    notifier: Notifier,
) -> None:
    deal_id = DealId(callback_data.deal_id)
    view, moved = await deals.move_deal(
        uow, user, deal_id, StageId(callback_data.arg), now, notifier
    )
    toast = t("card.moved" if moved else "card.already_there", stage=view.stage.name)
    await _show(query, t, tz, view, toast)
    if moved and isinstance(query.message, Message):
        text, markup = next_step_prompt(t, view.deal.id, view.deal.title, now, tz)
        await query.message.answer(text, reply_markup=markup)


async def on_choose_stage(
    query: CallbackQuery,
    callback_data: DealCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
) -> None:
    view = await deals.open_deal(uow, user, DealId(callback_data.deal_id), now)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            card_text(t, view, tz) + "\n\n" + t("card.choose_stage"),
            reply_markup=stages_keyboard(t, view),
        )


async def on_won(
    query: CallbackQuery,
    callback_data: DealCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
) -> None:
    deal_id = DealId(callback_data.deal_id)
    view = await deals.win_deal(uow, user, deal_id, now)
    await _show(query, t, tz, view, t("card.won_toast"))
    if isinstance(query.message, Message) and view.deal.client is not None:
        ask = AskFeedbackCb(deal_id=view.deal.id).pack()
        button = InlineKeyboardButton(text=t("feedback.btn.ask"), callback_data=ask)
        markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
        await query.message.answer(t("feedback.prompt"), reply_markup=markup)


async def on_lost(
    query: CallbackQuery,
    callback_data: DealCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
) -> None:
    view = await deals.open_deal(uow, user, DealId(callback_data.deal_id), now)
    if not view.deal.is_open:
        await _show(query, t, tz, view, t("error.deal_closed"))
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            card_text(t, view, tz) + "\n\n" + t("lost.choose"),
            reply_markup=reasons_keyboard(t, view),
        )


async def on_lost_reason(
    query: CallbackQuery,
    callback_data: DealCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
) -> None:
    deal_id = DealId(callback_data.deal_id)
    view = await deals.lose_deal(uow, user, deal_id, now, reason_id=LostReasonId(callback_data.arg))
    await _show(query, t, tz, view, t("card.lost_toast"))


async def on_text_wanted(
    query: CallbackQuery,
    callback_data: DealCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
    state: FSMContext,
) -> None:
    view = await deals.open_deal(uow, user, DealId(callback_data.deal_id), now)
    is_note = callback_data.action is CardAction.NOTE
    if not is_note and not view.deal.is_open:
        await _show(query, t, tz, view, t("error.deal_closed"))
        return
    await state.set_state(DealInput.note if is_note else DealInput.lost_reason)
    await state.update_data(deal_id=view.deal.id)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            t("note.ask" if is_note else "lost.ask_text"),
            reply_markup=back_to_card(t, view.deal.id),
        )


async def on_note_typed(
    message: Message,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
    state: FSMContext,
) -> None:
    deal_id = DealId((await state.get_data())["deal_id"])
    async with input_step(state):
        view = await deals.add_note(uow, user, deal_id, message.text or "", now)
    await message.answer(t("note.saved"))
    await message.answer(card_text(t, view, tz), reply_markup=card_keyboard(t, view))


async def on_lost_reason_typed(
    message: Message,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
    state: FSMContext,
) -> None:
    deal_id = DealId((await state.get_data())["deal_id"])
    async with input_step(state):
        view = await deals.lose_deal(uow, user, deal_id, now, reason_text=message.text or "")
    await message.answer(card_text(t, view, tz), reply_markup=card_keyboard(t, view))


async def on_reopen(
    query: CallbackQuery,
    callback_data: DealCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
) -> None:
    deal_id = DealId(callback_data.deal_id)
    view = await deals.reopen_deal(uow, user, deal_id, now)
    await _show(query, t, tz, view, t("card.reopened"))


async def on_history(
    query: CallbackQuery,
    callback_data: DealCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
) -> None:
    view, events, names, stages = await deals.deal_history(
        uow, user, DealId(callback_data.deal_id), now
    )
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            history_text(t, view, events, names, stages, tz),
            reply_markup=back_to_card(t, view.deal.id),
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
    router.callback_query(DealCb.filter(F.action.in_({CardAction.REASON_TEXT, CardAction.NOTE})))(
        on_text_wanted
    )
    router.message(DealInput.note, TypedText())(on_note_typed)
    router.message(DealInput.lost_reason, TypedText())(on_lost_reason_typed)
    router.callback_query(DealCb.filter(F.action == CardAction.REOPEN))(refreshing(on_reopen))
    router.callback_query(DealCb.filter(F.action == CardAction.HISTORY))(on_history)
    return router
