"""The sandbox's outages and strict limits, as an aiogram Bot meets them."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter

from sandbox.server import Sandbox

USER, OTHER = 555, 556


async def test_refused_bot_api_calls_lose_their_connection_while_the_page_stays_up(
    box: Sandbox, api: Bot
) -> None:
    box.world.user(USER, "Ivan")
    box.world.faults.refuse = True
    with pytest.raises(TelegramNetworkError):
        await api.send_message(USER, "lost")
    with pytest.raises(TelegramNetworkError):
        await api.get_updates(timeout=0)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{box.url}/sandbox/api/state") as response:
            assert response.status == 200
        async with http.post(f"{box.url}/sandbox/api/faults", json={"refuse": False}) as response:
            assert (await response.json())["refuse"] is False
    assert box.world.chats[USER] == [] and box.world.deliveries == []
    await api.send_message(USER, "back")
    assert [d.text for d in box.world.deliveries] == ["back"] and box.world.dropped == 2


async def test_a_hang_holds_calls_unanswered_until_the_clients_timeout(
    box: Sandbox, api: Bot
) -> None:
    box.world.user(USER, "Ivan")
    box.world.faults.hang = True
    started = asyncio.get_running_loop().time()
    with pytest.raises(TelegramNetworkError, match="timeout"):
        await api.send_message(USER, "held", request_timeout=1)
    assert asyncio.get_running_loop().time() - started >= 0.9
    assert box.world.chats[USER] == []
    box.world.faults.hang = False


async def test_calls_held_by_a_hang_are_dropped_unprocessed_when_it_is_lifted(
    box: Sandbox, api: Bot
) -> None:
    box.world.user(USER, "Ivan")
    box.world.faults.hang = True
    held = asyncio.create_task(api.send_message(USER, "held", request_timeout=10))
    await asyncio.sleep(0.3)
    assert not held.done()
    box.world.faults.hang = False
    with pytest.raises(TelegramNetworkError):
        await asyncio.wait_for(held, 2)
    assert box.world.chats[USER] == [] and box.world.calls == []


async def test_strict_limits_answer_429_and_record_what_was_accepted(
    box: Sandbox, api: Bot
) -> None:
    box.world.user(USER, "Ivan")
    box.world.user(OTHER, "Olga")
    box.world.faults.strict = True
    await api.send_message(USER, "one")
    with pytest.raises(TelegramRetryAfter) as flood:
        await api.send_message(USER, "too soon")
    assert flood.value.retry_after == 1
    await api.send_message(OTHER, "elsewhere")
    assert box.world.throttled == 1
    assert [(d.chat, d.text) for d in box.world.deliveries] == [(USER, "one"), (OTHER, "elsewhere")]
    assert box.world.deliveries[0].at < box.world.deliveries[1].at
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{box.url}/sandbox/api/deliveries") as response,
    ):
        body = await response.json()
    assert body["throttled"] == 1
    assert [d[1:] for d in body["deliveries"]] == [
        [USER, "sendMessage", "one"],
        [OTHER, "sendMessage", "elsewhere"],
    ]


async def test_the_server_can_still_stop_and_start_on_its_port(box: Sandbox, api: Bot) -> None:
    port = int(box.url.rsplit(":", 1)[1])
    await box.stop()
    with pytest.raises(TelegramNetworkError):
        await api.get_me()
    await box.start("127.0.0.1", port)
    assert (await api.get_me()).is_bot
