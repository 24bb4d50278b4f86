"""`/language`: each person picks the language the bot speaks to them."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.i18n import LANGUAGES, translator
from bot.services.team import choose_language
from handlers.context import Ctx
from handlers.filters import IsStaff
from handlers.keyboards import main_menu, set_staff_commands
from handlers.screens import message_of

NAMES = {"ru": "🇷🇺 Русский", "en": "🇬🇧 English"}


class LanguageCb(CallbackData, prefix="lang"):
    code: str


async def cmd_language(message: Message, ctx: Ctx) -> None:
    row = [
        InlineKeyboardButton(text=NAMES.get(code, code), callback_data=LanguageCb(code=code).pack())
        for code in LANGUAGES
    ]
    markup = InlineKeyboardMarkup(inline_keyboard=[row])
    await message.answer(ctx.t("language.choose"), reply_markup=markup)


async def on_language(query: CallbackQuery, ctx: Ctx, callback_data: LanguageCb, bot: Bot) -> None:
    updated = await choose_language(ctx.uow, ctx.staff, callback_data.code, LANGUAGES)
    t = translator(updated.language)
    await query.answer()
    message = message_of(query)
    await set_staff_commands(bot, message.chat.id, t, updated.role)
    await message.edit_text(t("language.set"))
    await message.answer(t("language.menu"), reply_markup=main_menu(t))


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="language")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.message(Command("language"))(cmd_language)
    router.callback_query(LanguageCb.filter())(on_language)
    return router
