"""Text typed outside any step: a search of deals and clients, as `/find` does; one match
opens its card, several the list, none a polite word (and how to create a deal instead)."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.types import Message

from bot.domain.access import is_manager
from bot.domain.text import SEARCH_MAX
from bot.services import deals
from handlers.context import Ctx
from handlers.deals.views import card_keyboard, card_text, found_keyboard, list_text, short
from handlers.filters import IsStaff, TypedText
from handlers.keyboards import main_menu


async def on_plain_text(message: Message, ctx: Ctx) -> None:
    typed = message.text or ""
    if len(" ".join(typed.split())) > SEARCH_MAX:  # a sentence, not a name to look for
        await message.answer(ctx.t("fallback.not_understood"), reply_markup=main_menu(ctx.t))
        return
    page = await deals.list_deals(ctx.uow, ctx.staff, ctx.now, text=typed)
    if page.total == 1:
        view = await deals.open_deal(ctx.uow, ctx.staff, page.items[0].deal.id, ctx.now)
        await message.answer(
            card_text(ctx.t, view, ctx.tz), reply_markup=card_keyboard(ctx.t, view)
        )
        return
    if not page.items:
        await message.answer(ctx.t("plain.nothing", text=html.escape(short(typed, 60))))
        return
    body = list_text(
        ctx.t, page, stalled=False, title_key="find.title", show_owner=is_manager(ctx.staff)
    )
    if page.pages > 1:
        body += "\n\n" + ctx.t("find.first_only", shown=len(page.items))
    await message.answer(body, reply_markup=found_keyboard(ctx.t, page))


def build_router() -> Router:
    """A fresh router, just before the fallback: only text no step and no button took."""
    router = Router(name="plain_text")
    router.message.filter(IsStaff())
    router.message(StateFilter(None), F.text, TypedText())(on_plain_text)
    return router
