"""Conversation state lives in Redis when several bot processes share the work."""

from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from bot.app import build_storage
from bot.config import Settings


async def test_two_processes_share_a_sellers_step_through_redis(redis_url: str) -> None:
    settings = Settings(_env_file=None, redis_url=redis_url)
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
