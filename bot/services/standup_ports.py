"""What the group stand-up needs of storage: the groups and their switch."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.ids import TelegramId, UserId
from bot.domain.standup import StandupGroup


class StandupGroupRepo(Protocol):
    async def get(self, chat_id: TelegramId) -> StandupGroup | None: ...
    async def save(self, group: StandupGroup, by: UserId | None, at: datetime) -> None:
        """Insert or update the group's switch (and its title), noting who and when."""
        ...

    async def list_on(self) -> list[StandupGroup]:
        """The groups the stand-up is on in, by chat id."""
        ...
