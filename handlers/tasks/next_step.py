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
from aiogram.types import InlineKeyboardMarkup, Message

from bot.domain.tasks import Task
from bot.services import tasks
from handlers.context import Ctx
from handlers.screens import Screen
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
    await prompt_is_live(sent, state, deal_id)


def asking_in_card(ctx: Ctx, card: Screen, deal_id: int, title: str) -> Screen:
    """The card with the next-step question folded in: the question under the text, the quick
    picks above the card's own buttons. One edit asks, instead of a second message."""
    text, markup = card
    question = ctx.t("task.next_step_ask", deal=html.escape(title))
    picks = next_step_keyboard(ctx.t, deal_id, ctx.now, ctx.tz, in_card=True).inline_keyboard
    rows = [*picks, *(markup.inline_keyboard if markup is not None else [])]
    return f"{text}\n\n{question}", InlineKeyboardMarkup(inline_keyboard=rows)


async def prompt_is_live(
    message: Message, state: FSMContext, deal_id: int, card: Screen | None = None
) -> None:
    """`message` is the deal's live prompt now (a card that asks, when `card` is given: the
    deal's card without the question). The older prompt is taken away: a prompt of its own is
    deleted; a card that asked is put back to `card`, or, with no card at hand, left as it is
    (its picks still set a next step)."""
    prompts = _prompts(state)
    live = dict(await prompts.get_data())
    older = live.pop(str(deal_id), None)
    live[str(deal_id)] = [message.message_id, card is not None]
    await prompts.set_data(dict(list(live.items())[-KEPT:]))
    # A prompt is [message id, whether it is a card]; a bare id was kept before cards asked.
    older_id, older_card = (older, False) if isinstance(older, int) else (older or [None, False])
    if older_id is None or older_id == message.message_id or message.bot is None:
        return
    bot, chat_id = message.bot, message.chat.id
    if older_card:
        if card is not None:
            with suppress(TelegramBadRequest):  # gone, or too old to edit: it stays
                await bot.edit_message_text(
                    text=card[0], chat_id=chat_id, message_id=older_id, reply_markup=card[1]
                )
        return
    try:  # a bot may delete its message for 48 hours; after that its buttons go
        await bot.delete_message(chat_id=chat_id, message_id=older_id)
    except TelegramBadRequest:
        with suppress(TelegramBadRequest):  # gone already
            await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=older_id, reply_markup=None
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
