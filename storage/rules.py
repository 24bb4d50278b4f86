"""The team's rules, cached in the process: company settings, pipelines with their stages and
lost reasons, and the members. Every update needs them and an admin rarely changes them, so
reading them afresh for each press cost three of a stage change's nine statements.

One caching rule, for every reader:
- A unit of work reads them from the process's cache; the first such read checks the cache's
  version against the database's, at most once a second (`CHECK_EVERY`), so a change made by
  another process is served stale for at most that long.
- A unit of work that changes any of them (`Rules.touch`, called by the repositories' writes)
  reads them from the database from then on (it sees its own edits), and its commit writes a
  new version in the same transaction: the other processes see it at their next check, this
  one forgets its cache at once.
- A cache filled while another unit of work of this process committed a change is not kept
  (the generation check), so a change is never hidden behind a read that started before it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import PipelineId, TelegramId, UserId
from bot.domain.models import Pipeline, User
from storage.models import SettingRow

VERSION_KEY: Final = "rules.version"
CHECK_EVERY: Final = 1.0  # seconds: the longest another process's change may go unseen
USERS_KEPT: Final = 10_000  # people looked up by Telegram id; past that the cache starts over


class RulesCache:
    """One per process (held by the unit-of-work factory); shared by its units of work."""

    def __init__(
        self, check_every: float = CHECK_EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._check_every = check_every
        self._clock = clock
        self._checked_at = -float("inf")
        self.version: str | None = None
        self.generation = 0
        self.settings: dict[str, dict[str, str]] = {}
        self.pipelines: dict[PipelineId, Pipeline] | None = None
        self.by_tg: dict[TelegramId, User | None] = {}
        self.by_id: dict[UserId, User] = {}

    def forget(self) -> None:
        self.generation += 1
        self.settings = {}
        self.pipelines = None
        self.by_tg = {}
        self.by_id = {}

    async def check(self, session: AsyncSession) -> None:
        """Forget everything if another process changed the rules; at most once a second."""
        now = self._clock()
        if now - self._checked_at < self._check_every:
            return
        version = await session.scalar(
            select(SettingRow.value).where(SettingRow.key == VERSION_KEY)
        )
        if version != self.version:
            self.forget()
            self.version = version
        self._checked_at = now

    async def bump(self, session: AsyncSession) -> str:
        """A new version, written in the caller's transaction (committed with its change)."""
        version = secrets.token_hex(8)
        row = await session.get(SettingRow, VERSION_KEY)
        if row is None:
            session.add(SettingRow(key=VERSION_KEY, value=version))
        else:
            row.value = version
        await session.flush()
        return version

    def committed(self, version: str) -> None:
        """This process committed a change: forget, and know the version it wrote."""
        self.forget()
        self.version = version
        self._checked_at = self._clock()

    def remember_user(self, tg_id: TelegramId, user: User | None) -> None:
        if len(self.by_tg) >= USERS_KEPT:
            self.by_tg, self.by_id = {}, {}
        self.by_tg[tg_id] = user
        if user is not None:
            self.by_id[user.id] = user


class Rules:
    """A unit of work's view of the cache: whether it may read from it, and what it changed."""

    def __init__(self, cache: RulesCache, session: AsyncSession) -> None:
        self._cache = cache
        self._session = session
        self._checked = False
        self._generation = -1  # nothing read from the cache yet: nothing may be kept
        self.changed = False

    def touch(self) -> None:
        """A write to the rules: from now on this unit of work reads them from the database."""
        self.changed = True

    async def cache(self) -> RulesCache | None:
        """The process's cache, or None if this unit of work must read the database (it
        changed the rules). Call it before reading the database: `keep` then tells whether
        what was read may go into the cache."""
        if self.changed:
            return None
        if not self._checked:
            await self._cache.check(self._session)
            self._checked = True
        self._generation = self._cache.generation
        return self._cache

    def keep(self) -> RulesCache | None:
        """The cache, if nothing was forgotten since the last `cache()` (what was read since
        may be kept in it)."""
        if self.changed or self._cache.generation != self._generation:
            return None
        return self._cache

    async def before_commit(self) -> str | None:
        return await self._cache.bump(self._session) if self.changed else None

    def after_commit(self, version: str | None) -> None:
        if version is not None:
            self._cache.committed(version)
        self.changed = False
        self._checked = False

    def after_rollback(self) -> None:
        self.changed = False
