"""Per-update context: one unit of work, the team member behind the update, their language.

An update that finds SQLite's write lock taken past the busy timeout (`DatabaseBusyError`:
its unit of work kept nothing) is handled again from the start, a bounded number of times,
**only if the bot has not said anything yet** in answer to it: a request middleware on the
bot's session notes every Telegram request made while the update is handled. Services commit
before the handler answers, so a busy write almost always comes before any answer, and the
retry makes the press count instead of being lost; the conversation step (FSM state and data)
is put back as it was before the first try. Why not `BEGIN IMMEDIATE` for every update: the
update's unit of work stays open while the handler talks to Telegram, and most updates only
read; holding the write lock through them would stall the sender and the jobs behind every
screen. So the update's transaction that writes takes the lock with its first write (see
`storage.db`), and only that one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.fsm.context import FSMContext
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update
from aiogram.types import User as TgUser

from bot.domain.company import CompanySettings
from bot.domain.errors import DatabaseBusyError
from bot.domain.ids import TelegramId
from bot.i18n import pick_language, translator
from bot.services import writes
from bot.services.clock import Clock
from bot.services.company import current
from bot.services.ports import UnitOfWorkFactory
from bot.services.team import Person, identify
from handlers.context import CTX, Ctx
from handlers.notices import TelegramNotifier
from handlers.standup.router import for_groups

log = logging.getLogger(__name__)
# Tries of one update while the database is busy: as many as a job's write gets, with the
# same growing pauses (each try itself waits up to the busy timeout for the lock).
UPDATE_ATTEMPTS = writes.ATTEMPTS
# The Telegram requests made while the current update is handled (None outside one).
_requests: ContextVar[list[str] | None] = ContextVar("salesbot_update_requests", default=None)


# aiogram parses each answer as `Response[<the method's result type>]`, a pydantic generic
# model made on first use and cached by pydantic only while something else holds it (a weak
# cache): after a garbage collection the next request builds it again, ~12 ms of CPU on this
# machine (165 rebuilds in 2,000 requests, 2 s of 19 s, when profiling stage changes). The
# tracker holds each one it has seen, so it is built once per process.
_responses: dict[object, type[Response[Any]]] = {}


class RequestTracker(BaseRequestMiddleware):
    """Notes each request the bot makes on behalf of the update being handled."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in _responses:
            _responses[returning] = Response[returning]  # type: ignore[valid-type]
        made = _requests.get()
        if made is not None:
            made.append(type(method).__name__)
        return await make_request(bot, method)


def track_requests(bot: Bot) -> None:
    """Install the tracker on the bot's session, once."""
    if not any(isinstance(m, RequestTracker) for m in bot.session.middleware):
        bot.session.middleware(RequestTracker())


def person_of(tg_user: TgUser, fallback_language: str) -> Person:
    return Person(
        tg_id=TelegramId(tg_user.id),
        name=tg_user.full_name[:200] or str(tg_user.id),
        username=tg_user.username,
        language=pick_language(tg_user.language_code, fallback_language),
    )


class ContextMiddleware(BaseMiddleware):
    """Opens the update's unit of work and puts the update's `Ctx` in the data as `ctx`."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        admins: Collection[int],
        defaults: CompanySettings,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._admins = frozenset(admins)
        self._defaults = defaults

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        chat = data.get("event_chat")
        if tg_user is None or tg_user.is_bot:
            return None
        if chat is not None and chat.type != "private" and not for_groups(event):
            return None  # people talk to the bot in private; a group only switches the stand-up
        await _leave_step_on_command(event, data)
        track_requests(data["bot"])
        state: FSMContext | None = data.get("state")
        step = await _step(state)
        for attempt in range(1, UPDATE_ATTEMPTS + 1):
            made: list[str] = []
            token = _requests.set(made)
            try:
                return await self._handle(handler, event, data, tg_user)
            except DatabaseBusyError:
                if made or attempt == UPDATE_ATTEMPTS:
                    raise  # the errors router asks the person to try again
                log.info("Database busy; handling the update again (try %d)", attempt + 1)
                await _restore_step(state, step)
                await asyncio.sleep(writes.backoff(attempt))
            finally:
                _requests.reset(token)
        raise AssertionError("unreachable")

    async def _handle(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
        tg_user: TgUser,
    ) -> Any:
        async with self._uow_factory() as uow:
            # The admin may have changed them a moment ago: read with every update.
            company = await current(uow, self._defaults)
            person = person_of(tg_user, company.language)
            user = await identify(uow, person, self._admins, self._clock())
            lang = user.language if user is not None else person.language
            data[CTX] = Ctx(
                uow=uow,
                person=person,
                user=user,
                t=translator(lang),
                now=self._clock(),
                company=company,
                notifier=TelegramNotifier.of(company),
            )
            return await handler(event, data)


Step = tuple[str | None, dict[str, Any]]


async def _step(state: FSMContext | None) -> Step | None:
    if state is None:
        return None
    return await state.get_state(), await state.get_data()


async def _restore_step(state: FSMContext | None, step: Step | None) -> None:
    if state is not None and step is not None:
        await state.set_state(step[0])
        await state.set_data(step[1])


async def _leave_step_on_command(event: TelegramObject, data: dict[str, Any]) -> None:
    """A command starts afresh: a step left waiting for typed text must not catch later
    text that was meant for something else."""
    message = getattr(event, "message", None)
    text = (message.text or "") if message is not None else ""
    state: FSMContext | None = data.get("state")
    # /cancel leaves the step itself, and says whether there was one.
    if text.startswith("/") and not text.startswith("/cancel") and state is not None:
        await state.clear()


async def forget_event_types(
    handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
    event: TelegramObject,
    data: dict[str, Any],
) -> Any:
    """Empties aiogram's memo of `Update.event_type` once an update is done with.

    aiogram caches that property with `functools.lru_cache`, whose keys are the updates
    themselves, so the last 128 updates, with their messages, people and keyboards, stayed
    alive after they were handled: 3 MB of the bot's memory after 1,000 updates
    (`benchmarks/startup.py`). The dispatcher asks for the type once an update (the metrics
    once more), an `if` chain cheaper than the cache's lookup; an update still in flight
    when another clears it only works it out again."""
    try:
        return await handler(event, data)
    finally:
        if _forget_event_types is not None:
            _forget_event_types()


# None if a later aiogram no longer memoises the property: then there is nothing to forget.
_forget_event_types: Callable[[], None] | None = getattr(
    getattr(Update.event_type, "fget", None), "cache_clear", None
)
