"""Company settings as keys and values, and the named lock a job holds. Never commits."""

from __future__ import annotations

import zlib

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SettingRow
from storage.rules import Rules

# Settings under these prefixes are the team's rules (`storage.rules`): read from the
# process's cache, and a change to one is seen by every process within a second.
RULE_PREFIXES = ("company.",)


def _is_rule(key: str) -> bool:
    return key.startswith(RULE_PREFIXES)


class SqlSettingRepo:
    def __init__(self, session: AsyncSession, rules: Rules) -> None:
        self._s = session
        self._rules = rules

    async def get(self, key: str) -> str | None:
        row = await self._s.get(SettingRow, key)
        return row.value if row else None

    async def put(self, key: str, value: str) -> None:
        if _is_rule(key):
            self._rules.touch()
        row = await self._s.get(SettingRow, key)
        if row is None:
            self._s.add(SettingRow(key=key, value=value))
        else:
            row.value = value
        await self._s.flush()

    async def delete(self, key: str) -> None:
        if _is_rule(key):
            self._rules.touch()
        await self._s.execute(delete(SettingRow).where(SettingRow.key == key))

    async def lock(self, name: str) -> None:
        """Until this transaction ends, no other process passes `lock(name)`: PostgreSQL's
        advisory lock; SQLite's writer already holds its one write lock from its first
        statement (`bot.services.writes`)."""
        if self._s.get_bind().dialect.name == "postgresql":
            key = zlib.crc32(name.encode())
            await self._s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    async def with_prefix(self, prefix: str) -> dict[str, str]:
        cache = await self._rules.cache() if _is_rule(prefix) else None
        if cache is not None and prefix in cache.settings:
            return dict(cache.settings[prefix])
        rows = await self._s.execute(
            select(SettingRow.key, SettingRow.value).where(SettingRow.key.startswith(prefix))
        )
        found = {key[len(prefix) :]: value for key, value in rows}
        if cache is not None and (kept := self._rules.keep()) is not None:
            kept.settings[prefix] = dict(found)
        return found
