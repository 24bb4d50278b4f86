"""Company settings as keys and values, and the named lock a job holds. Never commits."""

from __future__ import annotations

import zlib

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SettingRow


class SqlSettingRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, key: str) -> str | None:
        row = await self._s.get(SettingRow, key)
        return row.value if row else None

    async def put(self, key: str, value: str) -> None:
        row = await self._s.get(SettingRow, key)
        if row is None:
            self._s.add(SettingRow(key=key, value=value))
        else:
            row.value = value
        await self._s.flush()

    async def delete(self, key: str) -> None:
        await self._s.execute(delete(SettingRow).where(SettingRow.key == key))

    async def lock(self, name: str) -> None:
        """Until this transaction ends, no other process passes `lock(name)`: PostgreSQL's
        advisory lock; SQLite's writer already holds its one write lock from its first
        statement (`bot.services.writes`)."""
        if self._s.get_bind().dialect.name == "postgresql":
            key = zlib.crc32(name.encode())
            await self._s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    async def with_prefix(self, prefix: str) -> dict[str, str]:
        rows = await self._s.execute(
            select(SettingRow.key, SettingRow.value).where(SettingRow.key.startswith(prefix))
        )
        return {key[len(prefix) :]: value for key, value in rows}
