"""Several bot processes behind one token: conversation state in Redis, and two updates of one
person never handled at once, whichever processes they reach."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram import BaseMiddleware, Dispatcher
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import DisabledEventIsolation
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.types import TelegramObject, Update

from bot.app import Shared, build_dispatcher, build_shared, build_storage
from bot.config import Settings
from bot.services.team import prepare_installation
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.mocked_bot import MockedBot, feed, make_message

ADMIN = 1000


async def test_two_processes_share_a_sellers_step_through_redis(
    redis_url: str, redis_prefix: str
) -> None:
    # REDIS_PREFIX keeps the state under the test's own prefix: the database may be shared.
    settings = Settings(_env_file=None, redis_url=redis_url, redis_prefix=redis_prefix)
    first, second = build_storage(settings), build_storage(settings)
    assert isinstance(first, RedisStorage)
    key = StorageKey(bot_id=42, chat_id=2000, user_id=2000)
    try:
        await first.set_state(key, "NewDeal:amount")
        await first.set_data(key, {"pipeline_id": 1, "client_name": "Ромашка"})
        assert await second.get_state(key) == "NewDeal:amount"
        assert await second.get_data(key) == {"pipeline_id": 1, "client_name": "Ромашка"}
    finally:
        await first.set_state(key, None)
        await first.set_data(key, {})
        await first.close()
        await second.close()


class Handling(BaseMiddleware):
    """Notes when an update's handling begins and ends, and makes it take a while, so that
    another update arriving meanwhile would run alongside it if nothing kept them apart."""

    def __init__(self, log: list[tuple[str, int]]) -> None:
        self.log = log

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        self.log.append(("begin", event.update_id))
        try:
            await asyncio.sleep(0.15)
            return await handler(event, data)
        finally:
            self.log.append(("end", event.update_id))


def one_after_the_other(log: list[tuple[str, int]]) -> bool:
    """Each handling ends before the next begins."""
    return all(log[i][0] == "begin" and log[i + 1] == ("end", log[i][1]) for i in (0, 2))


async def dispatcher(
    uows: SqlUnitOfWorkFactory, clock: FakeClock, shared: Shared | None, log: list[Any]
) -> Dispatcher:
    dp = build_dispatcher(
        uows,
        admins=[ADMIN],
        clock=clock,
        storage=shared.storage if shared else None,
        isolation=shared.isolation if shared else None,
    )
    dp.update.outer_middleware(Handling(log))  # inside the person's lock, if there is one
    return dp


@pytest.fixture
async def two_processes(
    redis_url: str, redis_prefix: str, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> AsyncIterator[tuple[Dispatcher, Dispatcher, list[tuple[str, int]]]]:
    """Two dispatchers as two `python -m bot` processes build them with one REDIS_URL."""
    async with uow_factory() as uow:
        await prepare_installation(uow, [ADMIN], "ru")
    settings = Settings(_env_file=None, redis_url=redis_url, redis_prefix=redis_prefix)
    shared = [build_shared(settings, clock) for _ in range(2)]
    assert isinstance(shared[0].isolation, RedisEventIsolation)
    log: list[tuple[str, int]] = []
    one, two = [await dispatcher(uow_factory, clock, s, log) for s in shared]
    yield one, two, log
    for s in shared:
        await s.close()


async def test_two_updates_of_one_person_at_two_processes_run_one_after_the_other(
    two_processes: tuple[Dispatcher, Dispatcher, list[tuple[str, int]]],
) -> None:
    one, two, log = two_processes
    bot = MockedBot()
    await asyncio.gather(
        feed(one, bot, make_message(9001, "/start")), feed(two, bot, make_message(9001, "/help"))
    )
    assert len(log) == 4 and one_after_the_other(log), log
    assert len(bot.requests) == 2  # both were handled


async def test_two_people_at_two_processes_are_handled_at_the_same_time(
    two_processes: tuple[Dispatcher, Dispatcher, list[tuple[str, int]]],
) -> None:
    # The lock is the person's, not the bot's: without this, the test above proves nothing.
    one, two, log = two_processes
    bot = MockedBot()
    await asyncio.gather(
        feed(one, bot, make_message(9001, "/start")), feed(two, bot, make_message(9002, "/start"))
    )
    assert [kind for kind, _ in log] == ["begin", "begin", "end", "end"]


async def test_in_one_process_without_redis_a_persons_updates_also_wait_their_turn(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    async with uow_factory() as uow:
        await prepare_installation(uow, [ADMIN], "ru")
    shared = build_shared(Settings(_env_file=None), clock)
    log: list[tuple[str, int]] = []
    dp = await dispatcher(uow_factory, clock, shared, log)
    bot = MockedBot()
    updates = [make_message(9001, "/start"), make_message(9001, "/help")]
    await asyncio.gather(*(feed(dp, bot, update) for update in updates))
    assert len(log) == 4 and one_after_the_other(log), log
    # As aiogram leaves it, with no isolation, the same two would run side by side.
    log.clear()
    bare = build_dispatcher(uow_factory, admins=[ADMIN], clock=clock)
    bare.fsm.events_isolation = DisabledEventIsolation()
    bare.update.outer_middleware(Handling(log))
    updates = [make_message(9001, "/start"), make_message(9001, "/help")]
    await asyncio.gather(*(feed(bare, bot, update) for update in updates))
    assert [kind for kind, _ in log] == ["begin", "begin", "end", "end"]


async def test_every_key_the_bot_keeps_in_redis_is_under_redis_prefix(
    redis_url: str, redis_prefix: str, clock: FakeClock
) -> None:
    from redis.asyncio import Redis

    settings = Settings(_env_file=None, redis_url=redis_url, redis_prefix=redis_prefix)
    shared = build_shared(settings, clock)
    key = StorageKey(bot_id=42, chat_id=2000, user_id=2000)
    client = Redis.from_url(redis_url)
    try:
        await shared.storage.set_state(key, "NewDeal:amount")
        async with shared.isolation.lock(key):
            assert await shared.budget.turn(2000)
            await shared.budget.done(2000)
            await shared.flood.check(2000, heavy=True, now=clock().timestamp())
        ours = {k.decode() async for k in client.scan_iter(match=f"{redis_prefix}:*")}
        kinds = {k[len(redis_prefix) + 1 :].split(":")[0] for k in ours}
        assert kinds == {"fsm", "salesbot"}, ours
        assert any(":budget" in k for k in ours) and any(":flood" in k for k in ours), ours
    finally:
        await shared.storage.set_state(key, None)
        await client.aclose()
        await shared.close()


def test_redis_prefix_refuses_characters_a_key_pattern_would_read(redis_url: str) -> None:
    with pytest.raises(ValueError, match="redis_prefix"):
        Settings(_env_file=None, redis_url=redis_url, redis_prefix="crm*")
