"""The one-tap buttons of list notices (reminders, stalled deals, escalations): each acts on
its own entry and leaves the list in place, so the rest of it stays to be worked through; a
long list's pages turn in the same message, without what was done since."""

from __future__ import annotations

import enum

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.ids import DealId, TaskId
from bot.services import deals, outbox, tasks
from handlers.cbtypes import CbId
from handlers.compose import ListPageCb, compose
from handlers.context import Ctx
from handlers.deals.views import card_keyboard, card_text
from handlers.filters import IsStaff
from handlers.screens import message_of
from handlers.tasks.next_step import after_done


class EntryAction(enum.StrEnum):
    DONE = "d"  # the task is done: its row goes from the list
    DEAL = "o"  # the deal's card, as a new message under the list


class EntryCb(CallbackData, prefix="le"):
    action: EntryAction
    item_id: CbId


def entry_button(text: str, action: EntryAction, item_id: int) -> dict[str, str]:
    """One button of an entry, as Telegram's JSON (entries travel through the outbox)."""
    return {"text": text, "callback_data": EntryCb(action=action, item_id=item_id).pack()}


async def on_entry_done(
    query: CallbackQuery, ctx: Ctx, callback_data: EntryCb, state: FSMContext
) -> None:
    task = await tasks.complete_task(ctx.uow, ctx.staff, TaskId(callback_data.item_id), ctx.now)
    await query.answer(ctx.t("task.done_toast"))
    message = message_of(query)
    if message.reply_markup is not None:
        pressed = callback_data.pack()
        rows = [r for r in message.reply_markup.inline_keyboard if not _holds(r, pressed)]
        await message.edit_reply_markup(reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))
    await after_done(message, ctx, state, task)


def _holds(row: list[InlineKeyboardButton], data: str) -> bool:
    return any(button.callback_data == data for button in row)


async def on_entry_deal(query: CallbackQuery, ctx: Ctx, callback_data: EntryCb) -> None:
    view = await deals.open_deal(ctx.uow, ctx.staff, DealId(callback_data.item_id), ctx.now)
    await query.answer()
    await message_of(query).answer(
        card_text(ctx.t, view, ctx.tz), reply_markup=card_keyboard(ctx.t, view)
    )


async def on_list_page(query: CallbackQuery, ctx: Ctx, callback_data: ListPageCb) -> None:
    message = message_of(query)
    found = await outbox.sent_list(ctx.uow, ctx.staff, message.chat.id, message.message_id, ctx.now)
    if found is None:
        await query.answer(ctx.t("error.stale_button"), show_alert=True)
        return
    if not found.entries:
        await message.edit_text(ctx.t("lists.all_done", n=found.total))
        await query.answer()
        return
    text, markup = compose(ctx.staff, found.entries, found.why, callback_data.page)
    keyboard = InlineKeyboardMarkup.model_validate(markup) if markup else None
    await message.edit_text(text, reply_markup=keyboard)
    await query.answer()


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="lists")
    router.callback_query.filter(IsStaff())
    router.callback_query(EntryCb.filter(F.action == EntryAction.DONE))(on_entry_done)
    router.callback_query(EntryCb.filter(F.action == EntryAction.DEAL))(on_entry_deal)
    router.callback_query(ListPageCb.filter())(on_list_page)
    return router
