"""Per-update context: one unit of work, the team member behind the update, their language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject
from aiogram.types import User as TgUser

from bot.domain.company import CompanySettings
from bot.domain.ids import TelegramId
from bot.i18n import pick_language, translator
from bot.services.clock import Clock
from bot.services.company import current
from bot.services.ports import UnitOfWorkFactory
from bot.services.team import Person, identify
from handlers.notices import TelegramNotifier


def person_of(tg_user: TgUser, fallback_language: str) -> Person:
    return Person(
        tg_id=TelegramId(tg_user.id),
        name=tg_user.full_name[:200] or str(tg_user.id),
        username=tg_user.username,
        language=pick_language(tg_user.language_code, fallback_language),
    )


class ContextMiddleware(BaseMiddleware):
    """Opens the update's unit of work and puts `uow`, `person`, `user` and `t` in the data."""

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
        if tg_user is None or tg_user.is_bot or (chat is not None and chat.type != "private"):
            return None  # the bot works in private chats with people only
        await _leave_step_on_command(event, data)
        async with self._uow_factory() as uow:
            # The admin may have changed them a moment ago: read with every update.
            company = await current(uow, self._defaults)
            person = person_of(tg_user, company.language)
            user = await identify(uow, person, self._admins, self._clock())
            lang = user.language if user is not None else person.language
            data.update(
                uow=uow,
                person=person,
                user=user,
                t=translator(lang),
                now=self._clock(),
                company=company,
                tz=company.tz,
                notifier=TelegramNotifier.of(company),
            )
            return await handler(event, data)


async def _leave_step_on_command(event: TelegramObject, data: dict[str, Any]) -> None:
    """A command starts afresh: a step left waiting for typed text must not catch later
    text that was meant for something else."""
    message = getattr(event, "message", None)
    text = (message.text or "") if message is not None else ""
    state: FSMContext | None = data.get("state")
    # /cancel leaves the step itself, and says whether there was one.
    if text.startswith("/") and not text.startswith("/cancel") and state is not None:
        await state.clear()
