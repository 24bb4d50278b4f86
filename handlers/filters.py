"""Access as router filters: who may reach a router at all."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from bot.domain.access import is_manager, is_staff
from bot.domain.models import User


class IsStaff(Filter):
    """An active seller, head or admin."""

    async def __call__(self, event: TelegramObject, user: User | None = None, **_: Any) -> bool:
        return user is not None and is_staff(user)


class IsManager(Filter):
    """An active head or admin."""

    async def __call__(self, event: TelegramObject, user: User | None = None, **_: Any) -> bool:
        return user is not None and is_manager(user)
