"""Two sender processes over one outbox deliver each item exactly once.

Each worker has its own engine (its own connection pool), as two bot processes would:
claims meet in the database, on PostgreSQL through `FOR UPDATE SKIP LOCKED`, on SQLite
through its single write lock.
"""

from __future__ import annotations

import asyncio
import random
import shutil
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import TelegramId
from bot.domain.models import User
from bot.domain.notices import DeliveryPolicy, Notice
from bot.jobs.sender import Sender
from bot.services.clock import utc_now
from storage.db import make_engine, make_sessions
from storage.models import OutboxRow
from storage.uow import SqlUnitOfWorkFactory
from tests.mocked_bot import MockedBot, MockedSession

ITEMS, CHATS = 300, 60
# Fast enough for a test, tight enough that batches overlap and busy chats are put back.
POLICY = DeliveryPolicy(global_per_second=3000, per_chat_interval=0.01, batch_seconds=0.01)


class NetworkSession(MockedSession):
    """Answers after a short random delay, so the two workers interleave as over a network."""

    async def make_request(
        self,
        bot: Any,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109  (the base class signature)
    ) -> TelegramType:
        await asyncio.sleep(random.uniform(0, 0.003))
        return await super().make_request(bot, method, timeout)


class NeverBlocked:
    def compose(self, reader: User | None, entries: Any, why: Any) -> tuple[str, None]:
        raise AssertionError("no lists here")

    def unreachable(self, head: User, user: User) -> str:
        raise AssertionError("no one blocks the bot here")


never_blocked = NeverBlocked()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """One database for both workers: a SQLite file, or the PostgreSQL test database."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    path = tmp_path / "salesbot.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def two_engines(shared_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    first, second = make_engine(shared_url), make_engine(shared_url)
    async with first.begin() as conn:
        await conn.execute(delete(OutboxRow))
    yield first, second
    await first.dispose()
    await second.dispose()


async def work(sender: Sender) -> None:
    while await sender.run_once():
        pass


async def test_two_workers_deliver_each_item_exactly_once(
    two_engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    uows = [SqlUnitOfWorkFactory(make_sessions(engine)) for engine in two_engines]
    notices = [
        Notice(TelegramId(9000 + n % CHATS), "test", f"item {n}", dedup_key=f"test:{n}")
        for n in range(ITEMS)
    ]
    async with uows[0]() as uow:
        assert await uow.outbox.add(notices, utc_now()) == ITEMS
        await uow.commit()
    bots = [MockedBot(session=NetworkSession()) for _ in uows]
    senders = [
        Sender(bot, u, utc_now, POLICY, f"worker-{i}", ZoneInfo("UTC"), None, never_blocked)
        for i, (bot, u) in enumerate(zip(bots, uows, strict=True))
    ]

    await asyncio.wait_for(asyncio.gather(*(work(s) for s in senders)), timeout=60)

    sends = Counter(m.text for bot in bots for m in bot.sent(SendMessage))
    assert sends == Counter({f"item {n}": 1 for n in range(ITEMS)})
    assert all(bot.sent(SendMessage) for bot in bots), "both workers should have had a share"
    async with two_engines[1].connect() as conn:
        statuses = dict((await conn.execute(_by_status())).all())
    assert statuses == {"sent": ITEMS}


def _by_status() -> Any:
    return select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
