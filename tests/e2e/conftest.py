"""A sandbox Bot API server on a free local port, and an aiogram Bot that talks to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from sandbox.server import Sandbox
from tests.e2e.chat import child_env, start_process, stop_process

TOKEN = "42:e2e-token"


@pytest.fixture
async def box() -> AsyncIterator[Sandbox]:
    sandbox = Sandbox(token=TOKEN)
    await sandbox.start("127.0.0.1", 0)
    yield sandbox
    await sandbox.stop()


@pytest.fixture
async def api(box: Sandbox) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(box.url))
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    yield bot
    await bot.session.close()


async def _sandbox(tmp_path: Path, *options: str) -> AsyncIterator[str]:
    """`python -m sandbox --headless --port 0 ...`: its address, once it is up."""
    args = ["-m", "sandbox", "--headless", "--port", "0",
            "--database", str(tmp_path / "sandbox.db"), *options]  # fmt: skip
    process = await start_process(args, tmp_path, child_env())
    assert process.stdout is not None
    try:
        line = b""
        while not line.startswith(b"SANDBOX_URL="):  # log lines may come first
            line = await asyncio.wait_for(process.stdout.readline(), 90)
            assert line, "the sandbox exited before printing its address"
        yield line.decode().split("=", 1)[1].strip()
    finally:
        output = await stop_process(process)
        assert "Traceback" not in output, output
    assert process.returncode == 0, output


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[str]:
    """An empty sandbox: no demo company, only the admin."""
    async for url in _sandbox(tmp_path, "--no-demo"):
        yield url


@pytest.fixture
async def demo_sandbox(tmp_path: Path) -> AsyncIterator[str]:
    """The sandbox with its demo company (a head, sellers, 300 deals, plans, NPS), its clock
    at 08:50 of today (team time) whatever the hour the test runs: the 09:00 that comes next
    is today's, with no digest of its own already sent at start."""
    async for url in _sandbox(tmp_path, "--start", "08:50"):
        yield url
