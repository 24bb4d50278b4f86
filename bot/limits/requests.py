"""What handlers send counts against Telegram's limits too: each message takes a turn first.

A request middleware on the bot's session: before a method that puts a message in a chat
(`sendMessage`, `sendPhoto`, `sendMediaGroup`, `copyMessage`, …) it takes the chat's turn
from the same budget the outbox's sender uses, and gives it back when Telegram answers; an
edit takes a turn of the bot's rate only (it adds no message to the chat); answering a button
press, a chat action and every other method go straight through. The sender's own requests
carry their turn already (`bot.limits.budget.booked`) and are let by.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.limits.budget import Seconds, SendBudget, is_booked

MESSAGES = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendAudio",
        "sendVideo", "sendVoice", "sendAnimation", "sendSticker", "sendVideoNote",
        "sendLocation", "sendVenue", "sendContact", "sendPoll", "sendDice", "sendInvoice",
        "sendGame", "sendPaidMedia", "copyMessage", "copyMessages", "forwardMessage",
        "forwardMessages",
    }
)  # fmt: skip
EDITS = frozenset(
    {
        "editMessageText", "editMessageCaption", "editMessageMedia", "editMessageReplyMarkup",
        "editMessageLiveLocation", "stopMessageLiveLocation", "stopPoll",
    }
)  # fmt: skip


class BudgetMiddleware(BaseRequestMiddleware):
    """Takes a turn from the outgoing budget before each message a handler sends."""

    def __init__(self, budget: SendBudget, seconds: Seconds) -> None:
        self._budget, self._seconds = budget, seconds

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        if is_booked() or (name not in MESSAGES and name not in EDITS):
            return await make_request(bot, method)
        chat = _chat(method) if name in MESSAGES else None
        await self._budget.turn(chat)
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as error:
            if chat is not None:
                await self._budget.pause(self._seconds() + error.retry_after, chat)
            raise
        finally:
            await self._budget.done(chat)


def _chat(method: TelegramMethod[TelegramType]) -> int | None:
    """The numeric chat a message goes to (None for a @channel name: the bot's rate only)."""
    chat = getattr(method, "chat_id", None)
    return chat if isinstance(chat, int) else None


def pace_replies(bot: Bot, budget: SendBudget, seconds: Seconds) -> None:
    """Install the middleware on the bot's session, once."""
    if not any(isinstance(m, BudgetMiddleware) for m in bot.session.middleware):
        bot.session.middleware(BudgetMiddleware(budget, seconds))
