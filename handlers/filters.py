"""Access as router filters: who may reach a router at all."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.domain.access import is_manager, is_staff
from bot.i18n import all_variants
from handlers.context import Ctx


class IsStaff(Filter):
    """An active seller, head or admin."""

    async def __call__(self, event: TelegramObject, ctx: Ctx | None = None, **_: Any) -> bool:
        return ctx is not None and ctx.user is not None and is_staff(ctx.user)


class IsManager(Filter):
    """An active head or admin."""

    async def __call__(self, event: TelegramObject, ctx: Ctx | None = None, **_: Any) -> bool:
        return ctx is not None and ctx.user is not None and is_manager(ctx.user)


class Reachable(Filter):
    """A press on a message the bot can still see and edit (not a deleted one)."""

    async def __call__(self, query: CallbackQuery) -> bool:
        return isinstance(query.message, Message)


class TypedText(Filter):
    """Text typed as an answer: not a command and not a main-menu button, which win over steps."""

    async def __call__(self, message: Message) -> bool:
        text = message.text
        if not text or text.startswith("/"):
            return False
        return text not in MENU_LABELS


MENU_LABELS = frozenset().union(
    *(all_variants(f"menu.{key}") for key in ("new_deal", "deals", "tasks", "find"))
)
