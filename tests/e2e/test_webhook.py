"""The real process in webhook mode against the stand-in Bot API: Telegram's side is played by
the test, which posts each update the stand-in made for a person to the process's webhook.

A proxy in front of the bot ends TLS in production; here the test posts to the plain port the
bot listens on, while WEBHOOK_URL is the public https address Telegram was given.
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramConflictError

from bot.commands import used_update_types
from bot.webhook import SECRET_HEADER
from handlers.tasks.callbacks import TasksCb
from sandbox.server import Sandbox
from tests.e2e.chat import child_env, start_process, stop_process
from tests.e2e.conftest import TOKEN

ADMIN = 100001
HOOK_URL = "https://bot.example.test/tg/hook"
SECRET = "e2e_Secret-token_42"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Webhook:
    """The bot process's webhook, as Telegram posts to it."""

    http: aiohttp.ClientSession
    box: Sandbox
    base: str

    async def deliver(self, update: dict[str, Any], secret: str = SECRET) -> tuple[int, str, float]:
        """Post an update: the status, the outcome the bot names, and the seconds it took."""
        started = time.perf_counter()
        async with self.http.post(
            f"{self.base}/tg/hook", json=update, headers={SECRET_HEADER: secret}
        ) as response:
            return response.status, await response.text(), time.perf_counter() - started

    async def say(self, text: str, user: int = ADMIN) -> dict[str, Any]:
        """The admin (or another user) types `text`: the update Telegram would post (not queued
        for polling)."""
        await self.box.world.user_sends(user, text, first_name="Анна", language_code="ru")
        return self.box.world.updates.pop()

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(f"{self.base}{path}") as response:
            return response.status, await response.text()


def replies(box: Sandbox, user: int = ADMIN) -> list[str]:
    return [str(m.get("text")) for m in box.world.chats.get(user, []) if m["out"]]


async def until_up(http: aiohttp.ClientSession, base: str, process: Any) -> None:
    deadline = asyncio.get_running_loop().time() + 90
    while asyncio.get_running_loop().time() < deadline:
        assert process.returncode is None, "the bot exited before it served its webhook"
        try:
            async with http.get(f"{base}/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("the webhook server did not come up")


@pytest.fixture
async def webhook(box: Sandbox, tmp_path: Path) -> AsyncIterator[Webhook]:
    """`python -m bot` in webhook mode, JSON logs; `set-webhook` is taken to have run."""
    box.world.webhook = {"url": HOOK_URL, "secret_token": SECRET, "allowed_updates": None}
    box.world.user(ADMIN, "Анна", language_code="ru")
    port = free_port()
    env = child_env(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=box.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        BOT_ADMINS=str(ADMIN),
        WEBHOOK_URL=HOOK_URL,
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
        LOG_FORMAT="json",
    )
    process = await start_process(["-m", "bot"], tmp_path, env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await until_up(http, base, process)
            yield Webhook(http, box, base)
    finally:
        output = await stop_process(process)
    assert process.returncode == 0, output
    records = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert any(r["message"].startswith("Started as @") for r in records)
    assert not any("Running job" in r["message"] for r in records)  # APScheduler: DEBUG only
    assert box.world.polls == 0  # no getUpdates in webhook mode ...
    assert box.world.webhook is not None  # ... and the webhook Telegram was given stays set


@pytest.mark.e2e
async def test_an_update_posted_to_the_webhook_is_answered_before_its_200(
    webhook: Webhook, box: Sandbox
) -> None:
    start = await webhook.say("/start")
    status, outcome, _ = await webhook.deliver(start)
    assert (status, outcome) == (200, "handled")
    # The reply is at the Bot API by the time Telegram has its 200: handled, not queued.
    assert len(replies(box)) == 1 and "администратор" in replies(box)[0]

    # Telegram sends it again (it did not see the 200): acknowledged, not answered twice.
    assert (await webhook.deliver(start))[:2] == (200, "duplicate")
    # Someone who is not Telegram: 401, nothing handled.
    forged = await webhook.say("/help")
    assert (await webhook.deliver(forged, secret="guess"))[:2] == (401, "Unauthorized")
    assert len(replies(box)) == 1

    # Latency as Telegram sees it: from the post to the 200, the answer sent in between; each
    # from another person (one chat's answers go a second apart: that would be the pace).
    seconds = []
    for n in range(30):
        status, outcome, took = await webhook.deliver(await webhook.say("/help", ADMIN + 1 + n))
        assert (status, outcome) == (200, "handled")
        assert len(replies(box, ADMIN + 1 + n)) == 1
        seconds.append(took)
    assert len(replies(box)) == 1
    ms = sorted(s * 1000 for s in seconds)
    print(
        f"\nwebhook /help, post to 200 with the answer sent: median {statistics.median(ms):.0f}"
        f" ms, p90 {ms[int(len(ms) * 0.9)]:.0f} ms, max {ms[-1]:.0f} ms (n={len(ms)})",
        file=sys.stderr,
    )

    status, text = await webhook.get("/metrics")
    assert status == 200
    assert 'salesbot_update_seconds_count{outcome="handled",type="message"} 31.0' in text
    assert 'salesbot_webhook_requests_total{outcome="duplicate"} 1.0' in text
    assert 'salesbot_webhook_requests_total{outcome="unauthorized"} 1.0' in text
    assert await webhook.get("/healthz") == (200, "ok\n")


@pytest.mark.e2e
async def test_an_update_that_fails_is_answered_500_and_handled_when_sent_again(
    webhook: Webhook, box: Sandbox
) -> None:
    """Telegram refuses the answer (the chat is blocked for a moment): the update is not done,
    so Telegram's retry handles it."""
    update = await webhook.say("/help")
    box.world.faults.blocked.add(ADMIN)
    status, outcome, _ = await webhook.deliver(update)
    assert (status, outcome) == (500, "failed")
    box.world.faults.blocked.discard(ADMIN)
    assert (await webhook.deliver(update))[:2] == (200, "handled")
    assert len(replies(box)) == 1


@pytest.mark.e2e
async def test_a_tap_that_changes_nothing_on_screen_is_acknowledged_without_an_error(
    webhook: Webhook, box: Sandbox
) -> None:
    """A double tap on "back to the list" while the list shows: the press is answered,
    Telegram refuses the edit as not modified, and that is the end of it: no 500 for Telegram
    to retry, no error message in the chat."""
    assert (await webhook.deliver(await webhook.say("/tasks")))[:2] == (200, "handled")
    listing = next(m for m in reversed(box.world.chats[ADMIN]) if m["out"])
    before = replies(box)
    query = await box.world.user_presses(ADMIN, listing["message_id"], TasksCb().pack())
    assert (await webhook.deliver(box.world.updates.pop()))[:2] == (200, "handled")
    assert replies(box) == before
    assert [ok for _, q, ok in box.world.answers if q == query][:1] == [True]


async def run_command(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    process = await start_process(["-m", "bot", *args], tmp_path, env)
    assert process.stdout is not None
    output = (await asyncio.wait_for(process.stdout.read(), 90)).decode()
    return await process.wait(), output


@pytest.mark.e2e
async def test_set_webhook_registers_url_secret_and_update_types_and_delete_webhook_undoes_it(
    box: Sandbox, api: Bot, tmp_path: Path
) -> None:
    env = child_env(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=box.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'data' / 'bot.db'}",
        WEBHOOK_URL=HOOK_URL,
        WEBHOOK_SECRET=SECRET,
    )
    code, output = await run_command(tmp_path, env, "set-webhook")
    types = used_update_types()
    assert code == 0, output
    said = f"Webhook set: Telegram posts {', '.join(types)} to {HOOK_URL} (0 updates waiting).\n"
    assert output == said
    assert box.world.webhook == {"url": HOOK_URL, "secret_token": SECRET, "allowed_updates": types}
    assert {"message", "callback_query"} <= set(types)
    with pytest.raises(TelegramConflictError):  # as Telegram: no polling beside a webhook
        await api.get_updates()

    code, output = await run_command(tmp_path, env, "delete-webhook")
    assert code == 0, output
    assert output.startswith("Webhook deleted: the bot takes updates by long polling again")
    assert box.world.webhook is None
    assert await api.get_updates() == []
    assert not (tmp_path / "data").exists()  # the commands never touch the database


@pytest.mark.e2e
async def test_set_webhook_without_webhook_url_says_what_to_set(
    box: Sandbox, tmp_path: Path
) -> None:
    env = child_env(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=box.url)
    code, output = await run_command(tmp_path, env, "set-webhook")
    assert code == 2
    assert output.startswith("WEBHOOK_URL is not set") and len(output.splitlines()) == 1
    assert box.world.webhook is None


@pytest.mark.e2e
async def test_when_polling_health_port_serves_readiness_and_metrics(
    box: Sandbox, tmp_path: Path
) -> None:
    port = free_port()
    box.world.webhook = {"url": HOOK_URL, "secret_token": SECRET, "allowed_updates": None}
    env = child_env(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=box.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        BOT_ADMINS=str(ADMIN),
        WEBHOOK_HOST="127.0.0.1",
        HEALTH_PORT=str(port),
    )
    process = await start_process(["-m", "bot"], tmp_path, env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await until_up(http, base, process)
            hook = Webhook(http, box, base)
            await box.world.user_sends(ADMIN, "/help", first_name="Анна", language_code="ru")
            deadline = asyncio.get_running_loop().time() + 30
            while not replies(box):  # the bot polls for it: no webhook in this mode
                assert asyncio.get_running_loop().time() < deadline, "no answer to /help"
                await asyncio.sleep(0.05)
            assert await hook.get("/readyz") == (200, "ready\n")
            status, text = await hook.get("/metrics")
            assert status == 200
            assert 'salesbot_update_seconds_count{outcome="handled",type="message"} 1.0' in text
    finally:
        output = await stop_process(process)
    assert process.returncode == 0, output
    assert box.world.webhook is None  # polling removes a webhook left set, as before
