"""Flood control at the door: updates past a person's budget are dropped before any work.

An outer middleware registered ahead of the FSM's event lock and of `ContextMiddleware`
(which opens the unit of work): a dropped update waits for no lock, reads no state and
touches no database. The first dropped update of an episode is answered with one "slow
down"; a heavy command past its own budget with "try again in N s" (a button press always
gets that as its toast, since a press must be answered anyway and a toast is no message).
Those answers are given inside the person's lock, after the answers to what came before.
See `bot.limits.flood` for the budgets and how team members are told from strangers.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TgUser

from bot.domain.access import is_staff
from bot.domain.models import User
from bot.i18n import pick_language, translator
from bot.limits.flood import FloodControl, Refusal, Verdict
from bot.services.clock import Clock
from handlers.context import CTX
from handlers.digest.callbacks import DigestCb
from handlers.export import ExportFormatCb
from handlers.reports.callbacks import AbcCb, FunnelCb, ReportCb

log = logging.getLogger(__name__)
HEAVY_COMMANDS = frozenset({"report", "funnel", "abc", "export", "digest"})
# The buttons that build a report, a chart, a file or the digest's lists.
HEAVY_BUTTONS: tuple[type[CallbackData], ...] = (
    ReportCb, FunnelCb, AbcCb, ExportFormatCb, DigestCb,
)  # fmt: skip
_HEAVY_PREFIXES = tuple(f"{cb.__prefix__}{cb.__separator__}" for cb in HEAVY_BUTTONS)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
REFUSED = "flood_refused"  # the verdict on an update refused at the door, for its answer


def is_heavy(update: Update) -> bool:
    """A heavy command or one of its buttons, told from the update alone."""
    text = update.message.text if update.message is not None else None
    if text and text.startswith("/"):
        return text.split(maxsplit=1)[0][1:].partition("@")[0].lower() in HEAVY_COMMANDS
    if update.callback_query is not None:
        return (update.callback_query.data or "").startswith(_HEAVY_PREFIXES)
    return False


def install(dp: Dispatcher, control: FloodControl, clock: Clock, language: str) -> None:
    """The door ahead of the FSM middleware (whose lock wraps the rest), and the answer to a
    refused update right behind it: register before `ContextMiddleware`."""
    dp.update.outer_middleware.unregister(dp.fsm)
    dp.update.outer_middleware(FloodMiddleware(control, clock))
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(FloodAnswer(language))


class FloodMiddleware(BaseMiddleware):
    """Lets an update by within its sender's budget; drops it past it. The one refusal of an
    episode that gets an answer goes on to the person's lock, so that the answer follows the
    answers to what they sent before; the rest wait for no lock at all."""

    def __init__(self, control: FloodControl, clock: Clock) -> None:
        self._control, self._clock = control, clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        chat = data.get("event_chat")
        if not isinstance(event, Update) or tg_user is None or tg_user.is_bot:
            return await handler(event, data)
        if chat is not None and chat.type != "private":
            return await handler(event, data)  # not the bot's business: dropped further on
        now = self._clock().timestamp()
        verdict = await self._control.check(tg_user.id, is_heavy(event), now)
        if verdict.refused is not None:
            if not _answered(event, verdict):
                return None
            data[REFUSED] = verdict
            return await handler(event, data)
        try:
            return await handler(event, data)
        finally:
            if CTX in data:  # the update reached the database: who they are is known
                user: User | None = data[CTX].user
                staff = user.language if user is not None and is_staff(user) else None
                await self._control.learn(tg_user.id, staff, verdict.known, now)


class FloodAnswer(BaseMiddleware):
    """Inside the person's lock, before the unit of work: answers a refused update."""

    def __init__(self, language: str) -> None:
        self._language = language

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        verdict: Verdict | None = data.get(REFUSED)
        tg_user: TgUser | None = data.get("event_from_user")
        if verdict is None or tg_user is None or not isinstance(event, Update):
            return await handler(event, data)
        t = translator(verdict.known or pick_language(tg_user.language_code, self._language))
        if verdict.refused is Refusal.FLOOD:
            text = t("flood.slow_down")
        else:
            text = t.n("flood.wait", max(1, math.ceil(verdict.wait)))
        bot: Bot = data["bot"]
        try:
            if event.callback_query is not None:
                await bot.answer_callback_query(event.callback_query.id, text)
            elif event.message is not None:
                await bot.send_message(event.message.chat.id, text)
        except TelegramAPIError as error:  # a warning that did not go is no one's loss
            log.info("Flood control could not answer %s: %s", tg_user.id, error)
        return None


def _answered(update: Update, verdict: Verdict) -> bool:
    """A message gets the episode's one warning; a press gets it too, and a heavy one always
    its wait (a press must be answered anyway, and a toast is no message)."""
    if update.callback_query is not None:
        return verdict.warn or verdict.refused is Refusal.HEAVY
    return update.message is not None and verdict.warn
