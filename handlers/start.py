"""`/start`: a member's welcome, an invite or claim link, and the door for strangers."""

from __future__ import annotations

import html
from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.domain.models import User
from bot.i18n import Translator, translator
from bot.services.ports import UnitOfWork
from bot.services.surveys import open_survey
from bot.services.team import Person, start_with_code
from handlers.keyboards import main_menu, outsider_key, set_staff_commands
from handlers.notices import TelegramNotifier
from handlers.surveys.client import show_question

PAYLOAD_MAX = 64  # Telegram's own limit for a deep-link parameter


async def cmd_start_code(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    person: Person,
    now: datetime,
    state: FSMContext,
    notifier: TelegramNotifier,
    bot: Bot,
) -> None:
    code = (command.args or "").strip()[:PAYLOAD_MAX]
    await state.clear()
    opened = await open_survey(uow, person, code, now)
    if opened is not None:
        await show_question(message, translator(person.language), opened, notifier.company)
        return
    user = await start_with_code(uow, person, code, now)
    t = translator(user.language)
    await set_staff_commands(bot, message.chat.id, t, user.role)
    await message.answer(
        t("start.joined", name=html.escape(user.name), role=t(f"role.{user.role.value}")),
        reply_markup=main_menu(t),
    )


async def cmd_start(
    message: Message, user: User | None, t: Translator, state: FSMContext, bot: Bot
) -> None:
    await state.clear()
    if (outsider := outsider_key(user)) is not None:
        await message.answer(t(outsider))
        return
    assert user is not None
    await set_staff_commands(bot, message.chat.id, t, user.role)
    await message.answer(
        t("start.welcome", name=html.escape(user.name), role=t(f"role.{user.role.value}")),
        reply_markup=main_menu(t),
    )


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="start")
    router.message(CommandStart(deep_link=True))(cmd_start_code)
    router.message(CommandStart())(cmd_start)
    return router
