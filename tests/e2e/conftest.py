"""A sandbox Bot API server on a free local port, and an aiogram Bot that talks to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from sandbox.server import Sandbox

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
