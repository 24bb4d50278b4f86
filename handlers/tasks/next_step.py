"""The "next step — when?" prompt: one live prompt a deal in a chat, the newest; an older
one (the deal created, then moved at once) is taken away when a newer one comes."""

from __future__ import annotations

import html
from contextlib import suppress

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message

from bot.domain.ids import DealId
from bot.domain.tasks import Task
from bot.services import quick_deals, tasks
from handlers.context import Ctx
from handlers.tasks.views import next_step_keyboard


async def ask_next_step(
    message: Message, ctx: Ctx, deal_id: int, title: str, key: str = "task.next_step_ask"
) -> None:
    """Ask for the deal's next step under `message`, replacing the deal's older prompt."""
    sent = await message.answer(
        ctx.t(key, deal=html.escape(title)),
        reply_markup=next_step_keyboard(ctx.t, deal_id, ctx.now, ctx.tz),
    )
    chat_id = sent.chat.id
    older = await quick_deals.prompt_sent(ctx.uow, chat_id, DealId(deal_id), sent.message_id)
    if older is None or sent.bot is None:
        return
    try:  # a bot may delete its message for 48 hours; after that its buttons go
        await sent.bot.delete_message(chat_id=chat_id, message_id=older)
    except TelegramBadRequest:
        with suppress(TelegramBadRequest):  # gone already
            await sent.bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=older, reply_markup=None
            )


async def next_step_set(message: Message, ctx: Ctx, deal_id: int) -> None:
    """The deal's prompt was answered: no prompt of it is live any more."""
    await quick_deals.prompt_answered(ctx.uow, message.chat.id, DealId(deal_id))


async def after_done(message: Message, ctx: Ctx, task: Task) -> None:
    """A deal's last open task done: its next step is asked for at once."""
    deal = await tasks.left_without_next_step(ctx.uow, ctx.staff, task)
    if deal is not None:
        await ask_next_step(message, ctx, deal.id, deal.title, "task.last_done")
