"""The "next step — when?" prompt: one live prompt a deal in a chat, the newest; an older
one (the deal created, then moved at once) is taken away when a newer one comes.

Which message is a deal's live prompt is conversation state, kept beside the chat's own in
the FSM storage (memory, or Redis shared by the processes), not in the database: writing it
there would be a second write after the one that counts, which a busy SQLite could refuse
after the move or the task was already saved."""

from __future__ import annotations

import html
from contextlib import suppress

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Message

from bot.domain.tasks import Task
from bot.services import tasks
from handlers.context import Ctx
from handlers.tasks.views import next_step_keyboard

# The prompts of a chat live under this user id: no Telegram account has it, so the chat's
# own conversation state (cleared at every new step) never touches them.
PROMPTS_USER = 0
KEPT = 50  # the newest prompts remembered a chat; an older one just keeps its buttons


def _prompts(state: FSMContext) -> FSMContext:
    key = state.key
    return FSMContext(
        storage=state.storage,
        key=StorageKey(
            bot_id=key.bot_id,
            chat_id=key.chat_id,
            user_id=PROMPTS_USER,
            thread_id=key.thread_id,
            business_connection_id=key.business_connection_id,
        ),
    )


async def ask_next_step(
    message: Message,
    ctx: Ctx,
    state: FSMContext,
    deal_id: int,
    title: str,
    key: str = "task.next_step_ask",
) -> None:
    """Ask for the deal's next step under `message`, replacing the deal's older prompt."""
    sent = await message.answer(
        ctx.t(key, deal=html.escape(title)),
        reply_markup=next_step_keyboard(ctx.t, deal_id, ctx.now, ctx.tz),
    )
    prompts = _prompts(state)
    live = dict(await prompts.get_data())
    older = live.pop(str(deal_id), None)
    live[str(deal_id)] = sent.message_id
    await prompts.set_data(dict(list(live.items())[-KEPT:]))
    if older is None or older == sent.message_id or sent.bot is None:
        return
    try:  # a bot may delete its message for 48 hours; after that its buttons go
        await sent.bot.delete_message(chat_id=sent.chat.id, message_id=older)
    except TelegramBadRequest:
        with suppress(TelegramBadRequest):  # gone already
            await sent.bot.edit_message_reply_markup(
                chat_id=sent.chat.id, message_id=older, reply_markup=None
            )


async def next_step_set(state: FSMContext, deal_id: int) -> None:
    """The deal's prompt was answered: no prompt of it is live any more."""
    prompts = _prompts(state)
    live = dict(await prompts.get_data())
    if live.pop(str(deal_id), None) is not None:
        await prompts.set_data(live)


async def after_done(message: Message, ctx: Ctx, state: FSMContext, task: Task) -> None:
    """A deal's last open task done: its next step is asked for at once."""
    deal = await tasks.left_without_next_step(ctx.uow, ctx.staff, task)
    if deal is not None:
        await ask_next_step(message, ctx, state, deal.id, deal.title, "task.last_done")
