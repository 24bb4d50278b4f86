"""The real bot process (`python -m bot`) against a misbehaving Bot API server: it recovers,
and every update is handled exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from sandbox.server import Sandbox
from tests.e2e.chat import child_env, start_process, stop_process
from tests.e2e.conftest import TOKEN

ADMIN = 100001


async def until(condition: Callable[[], bool], seconds: float = 25) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the bot did not get there in time"
        await asyncio.sleep(0.05)


@pytest.fixture
async def bot_process(box: Sandbox, tmp_path: Path) -> AsyncIterator[None]:
    env = child_env(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=box.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        BOT_ADMINS=str(ADMIN),
    )
    process = await start_process(["-m", "bot"], tmp_path, env)
    try:
        await until(lambda: box.world.polls > 0 or process.returncode is not None, 60)
        assert process.returncode is None
        yield
    finally:
        output = await stop_process(process)
    assert process.returncode == 0, output


def replies(box: Sandbox) -> list[str]:
    return [m["text"] for m in box.world.chats.get(ADMIN, []) if m["out"]]


async def say(box: Sandbox, count: int) -> None:
    for _ in range(count):
        await box.world.user_sends(ADMIN, "/help", first_name="Анна", language_code="ru")


@pytest.mark.e2e
@pytest.mark.usefixtures("bot_process")
async def test_dropped_polls_and_a_server_restart_lose_and_double_nothing(box: Sandbox) -> None:
    await say(box, 1)
    await until(lambda: len(replies(box)) == 1)

    # The connection breaks as the updates are on their way: they come again, once.
    box.world.faults.drop_polls = 2
    await say(box, 3)
    await until(lambda: len(replies(box)) == 4)
    assert box.world.faults.drop_polls == 0

    # The server goes away; users keep writing; it comes back on the same port.
    port = int(box.url.rsplit(":", 1)[1])
    await box.stop()
    await say(box, 2)
    await asyncio.sleep(1.5)
    await box.start("127.0.0.1", port)
    await until(lambda: len(replies(box)) == 6)

    await asyncio.sleep(1.5)  # time enough for a double to show
    assert len(replies(box)) == 6 and len(set(replies(box))) == 1
    await until(lambda: box.world.updates == [])  # every update confirmed
    assert box.world.confirmed == 7
