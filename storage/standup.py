"""The group chats of the stand-up and their switch. It never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import TelegramId, UserId
from bot.domain.standup import StandupGroup
from storage.models import StandupGroupRow


def _group(row: StandupGroupRow) -> StandupGroup:
    by = None if row.changed_by is None else UserId(row.changed_by)
    return StandupGroup(TelegramId(row.chat_id), row.title, row.is_on, by)


class SqlStandupGroupRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, chat_id: TelegramId) -> StandupGroup | None:
        row = await self._s.get(StandupGroupRow, chat_id)
        return None if row is None else _group(row)

    async def save(self, group: StandupGroup, by: UserId | None, at: datetime) -> None:
        row = await self._s.get(StandupGroupRow, group.chat_id)
        if row is None:
            row = StandupGroupRow(chat_id=group.chat_id)
            self._s.add(row)
        row.title, row.is_on, row.changed_by, row.changed_at = group.title, group.is_on, by, at
        await self._s.flush()

    async def list_on(self) -> list[StandupGroup]:
        rows = await self._s.scalars(
            select(StandupGroupRow)
            .where(StandupGroupRow.is_on.is_(True))
            .order_by(StandupGroupRow.chat_id)
        )
        return [_group(r) for r in rows]
