"""`/start`: a member's welcome, an invite or claim link, and the door for strangers."""

from __future__ import annotations

import html

from aiogram import Bot, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.i18n import translator
from bot.services.surveys import open_survey
from bot.services.team import start_with_code
from handlers.context import Ctx
from handlers.keyboards import main_menu, outsider_key, set_staff_commands
from handlers.surveys.client import show_question

PAYLOAD_MAX = 64  # Telegram's own limit for a deep-link parameter


async def cmd_start_code(
    message: Message, ctx: Ctx, command: CommandObject, state: FSMContext, bot: Bot
) -> None:
    code = (command.args or "").strip()[:PAYLOAD_MAX]
    await state.clear()
    opened = await open_survey(ctx.uow, ctx.person, code, ctx.now)
    if opened is not None:
        await show_question(message, translator(ctx.person.language), opened, ctx.notifier.company)
        return
    user = await start_with_code(ctx.uow, ctx.person, code, ctx.now)
    t = translator(user.language)
    await set_staff_commands(bot, message.chat.id, t, user.role)
    await message.answer(
        t("start.joined", name=html.escape(user.name), role=t(f"role.{user.role.value}")),
        reply_markup=main_menu(t),
    )


async def cmd_start(message: Message, ctx: Ctx, state: FSMContext, bot: Bot) -> None:
    await state.clear()
    if (outsider := outsider_key(ctx.user)) is not None:
        await message.answer(ctx.t(outsider))
        return
    assert ctx.user is not None
    await set_staff_commands(bot, message.chat.id, ctx.t, ctx.user.role)
    await message.answer(
        ctx.t(
            "start.welcome",
            name=html.escape(ctx.user.name),
            role=ctx.t(f"role.{ctx.user.role.value}"),
        ),
        reply_markup=main_menu(ctx.t),
    )


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="start")
    router.message(CommandStart(deep_link=True))(cmd_start_code)
    router.message(CommandStart())(cmd_start)
    return router
