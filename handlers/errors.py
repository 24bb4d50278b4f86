"""A user's mistake becomes a polite answer in their language, never a logged crash."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent, Message

from bot.domain.errors import DatabaseBusyError, DomainError
from bot.i18n import Translator, translator
from handlers.context import Ctx

log = logging.getLogger(__name__)


async def say(event: ErrorEvent, text: str) -> None:
    """Answer where the update came from: an alert for a button, a message for a message."""
    update = event.update
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(text, show_alert=True)
        except TelegramBadRequest:
            # The handler answered the press before the error: say it in the chat instead.
            if isinstance(query.message, Message):
                await query.message.answer(text)
    elif update.message is not None:
        await update.message.answer(text)


async def on_domain_error(event: ErrorEvent, ctx: Ctx | None = None) -> None:
    error = event.exception
    assert isinstance(error, DomainError)
    t = _translator(ctx)
    params = {
        name: t.n(error.counted[name], value)
        if name in error.counted and isinstance(value, int)
        else value
        for name, value in error.params.items()
    }
    await say(event, t(error.key, **params))


async def on_bad_request(event: ErrorEvent, ctx: Ctx | None = None) -> None:
    # Two presses that render the same card make Telegram refuse the second edit; that is fine.
    if "message is not modified" in str(event.exception):
        if event.update.callback_query is not None:
            # Mostly answered already (a screen answers the press, then edits), and Telegram
            # refuses a second answer: raising here would fail the update over nothing.
            with contextlib.suppress(TelegramBadRequest):
                await event.update.callback_query.answer()
        return
    log.warning("Telegram refused a request: %s", event.exception)
    await say(event, _translator(ctx)("error.telegram"))


async def on_busy(event: ErrorEvent, ctx: Ctx | None = None) -> None:
    # The middleware handled the update again while it could; it kept nothing, so say so.
    log.warning("The database stayed busy; the person was asked to repeat")
    await say(event, _translator(ctx)("error.busy"))


def _translator(ctx: Ctx | None) -> Translator:
    """The person's language; the default one if the update failed before its context."""
    return ctx.t if ctx is not None else translator("ru")


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="errors")
    router.errors(ExceptionTypeFilter(DomainError))(on_domain_error)
    router.errors(ExceptionTypeFilter(TelegramBadRequest))(on_bad_request)
    router.errors(ExceptionTypeFilter(DatabaseBusyError))(on_busy)
    return router
