"""`/start`: a member's welcome, an invite or claim link, and the door for strangers."""

from __future__ import annotations

import html
from datetime import datetime

from aiogram import Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.domain.access import is_staff
from bot.domain.models import User
from bot.i18n import Translator, translator
from bot.services.ports import UnitOfWork
from bot.services.team import Person, start_with_code
from handlers.keyboards import main_menu

PAYLOAD_MAX = 64  # Telegram's own limit for a deep-link parameter


async def cmd_start_code(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    person: Person,
    now: datetime,
    state: FSMContext,
) -> None:
    code = (command.args or "").strip()[:PAYLOAD_MAX]
    user = await start_with_code(uow, person, code, now)
    await state.clear()
    t = translator(user.language)
    await message.answer(
        t("start.joined", name=html.escape(user.name), role=t(f"role.{user.role.value}")),
        reply_markup=main_menu(t),
    )


async def cmd_start(message: Message, user: User | None, t: Translator, state: FSMContext) -> None:
    await state.clear()
    if user is None or not is_staff(user):
        await message.answer(t("start.stranger" if user is None else "start.inactive"))
        return
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
