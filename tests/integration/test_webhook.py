"""The webhook as Telegram meets it: the secret, the answer only after handling, each update_id
handled once across workers, and a failed update left for Telegram to send again.

Each test runs on SQLite and on PostgreSQL: the claims live in the database the workers share.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Dispatcher, Router
from aiogram.types import Message
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.metrics import Metrics, UpdateMetricsMiddleware
from bot.services.clock import Clock
from bot.webhook import SECRET_HEADER, WebhookHandler
from storage.db import make_engine, make_sessions
from storage.models import WebhookUpdateRow
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.mocked_bot import MockedBot

PATH, SECRET = "/tg/hook", "s3cret_TOKEN-1"


@dataclass
class Calls:
    """What the bot's handler did; "wait" blocks it until `release`, "boom" raises."""

    handled: list[int] = field(default_factory=list)  # update ids, in the order handled
    entered: int = 0
    started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    failures_left: int = 0
    events: list[str] = field(default_factory=list)


def dispatcher(calls: Calls, metrics: Metrics) -> Dispatcher:
    dp, router = Dispatcher(), Router()
    dp.update.outer_middleware(UpdateMetricsMiddleware(metrics))

    @router.message()
    async def on_message(message: Message) -> None:
        calls.entered += 1
        calls.started.set()
        if message.text == "wait":
            await calls.release.wait()
        if message.text == "boom" and calls.failures_left:
            calls.failures_left -= 1
            raise RuntimeError("the handler failed")
        await message.answer("done")
        calls.handled.append(message.message_id)
        calls.events.append("handled")

    dp.include_router(router)
    return dp


@dataclass
class Worker:
    client: TestClient[web.Request, web.Application]
    handler: WebhookHandler
    metrics: Metrics
    bot: MockedBot

    async def post(self, body: Any, secret: str | None = SECRET) -> tuple[int, str]:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self.client.post(PATH, json=body, headers=headers)
        return response.status, await response.text()


@asynccontextmanager
async def worker(
    uows: SqlUnitOfWorkFactory, clock: Clock, calls: Calls, **options: Any
) -> AsyncIterator[Worker]:
    """One process's webhook server over the shared database."""
    metrics, bot = Metrics(), MockedBot()
    handler = WebhookHandler(dispatcher(calls, metrics), bot, uows, SECRET, clock, metrics,
                             **options)  # fmt: skip
    app = web.Application()
    app.router.add_post(PATH, handler.handle)
    async with TestClient(TestServer(app)) as client:
        yield Worker(client, handler, metrics, bot)
    await handler.close()


def update(update_id: int, text: str = "hello", user: int = 4242) -> dict[str, Any]:
    """An update as Telegram posts it."""
    person = {"id": user, "is_bot": False, "first_name": "Ivan"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000,
            "chat": {"id": user, "type": "private", "first_name": "Ivan"},
            "from": person,
            "text": text,
        },
    }


async def claims(engine: AsyncEngine) -> dict[int, WebhookUpdateRow]:
    """The claims as stored, by update_id."""
    async with make_sessions(engine)() as session:
        return {r.update_id: r for r in await session.scalars(select(WebhookUpdateRow))}


async def settle() -> None:
    """Let every task that can run, run (a post in flight reaches its wait)."""
    for _ in range(20):
        await asyncio.sleep(0.01)


async def test_a_post_without_the_secret_or_with_a_wrong_one_is_401_and_not_handled(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    calls = Calls()
    async with worker(uow_factory, clock, calls) as w:
        assert await w.post(update(1), secret=None) == (401, "Unauthorized")
        assert await w.post(update(1), secret="s3cret_TOKEN-2") == (401, "Unauthorized")
        assert await w.post(update(1), secret="") == (401, "Unauthorized")
        assert calls.entered == 0 and not w.bot.requests
        assert await claims(engine) == {}  # not even claimed: a later true post is handled
        assert await w.post(update(1)) == (200, "handled")
        assert calls.handled == [1]
        assert 'salesbot_webhook_requests_total{outcome="unauthorized"} 3.0' in (
            w.metrics.exposition().decode()
        )


async def test_a_post_that_is_no_update_is_400(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    calls = Calls()
    async with worker(uow_factory, clock, calls) as w:
        response = await w.client.post(PATH, data=b"{not json", headers={SECRET_HEADER: SECRET})
        assert response.status == 400
        assert (await w.post({"message": "no update_id"}))[0] == 400
        assert calls.entered == 0


async def test_an_update_is_handled_before_the_answer_is_sent(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    calls = Calls()
    async with worker(uow_factory, clock, calls) as w:
        post = asyncio.create_task(w.post(update(5, "wait")))
        await calls.started.wait()
        await settle()
        assert not post.done()  # the handler is still at work: Telegram has no answer yet
        calls.release.set()
        status, outcome = await post
        calls.events.append("answered")
        assert (status, outcome) == (200, "handled")
        assert calls.events == ["handled", "answered"]
        assert w.bot.texts() == ["done"]
        [row] = (await claims(engine)).values()
        assert row.update_id == 5 and row.done_at is not None and row.claimant is None


async def test_a_redelivered_update_is_acknowledged_and_not_handled_again(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    calls = Calls()
    async with worker(uow_factory, clock, calls) as w:
        assert await w.post(update(9)) == (200, "handled")
        assert await w.post(update(9)) == (200, "duplicate")
        assert await w.post(update(10)) == (200, "handled")
        assert calls.handled == [9, 10]
        assert w.bot.texts() == ["done", "done"]


async def test_two_deliveries_at_once_handle_the_update_once_and_both_wait_for_it(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    calls = Calls()
    async with worker(uow_factory, clock, calls) as w:
        first = asyncio.create_task(w.post(update(11, "wait")))
        await calls.started.wait()
        second = asyncio.create_task(w.post(update(11, "wait")))
        await settle()
        # The second is neither answered (the update is not done yet) nor handled.
        assert not second.done() and calls.entered == 1
        calls.release.set()
        assert sorted([await first, await second]) == [(200, "duplicate"), (200, "handled")]
        assert calls.handled == [11] and calls.entered == 1


async def test_workers_sharing_the_database_handle_an_update_once(
    db_url: str, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    """Two processes behind one URL: each has its own engine; the claim is in the database."""
    other_engine: AsyncEngine = make_engine(db_url)
    other = SqlUnitOfWorkFactory(make_sessions(other_engine))
    calls_a, calls_b = Calls(), Calls()
    try:
        async with worker(uow_factory, clock, calls_a) as a, worker(other, clock, calls_b) as b:
            for update_id in range(100, 120):  # at once, to both, many times over
                body = update(update_id)
                answers = await asyncio.gather(a.post(body), b.post(body), a.post(body))
                assert sorted(answers) == [(200, "duplicate"), (200, "duplicate"), (200, "handled")]
            assert sorted(calls_a.handled + calls_b.handled) == list(range(100, 120))
    finally:
        await other_engine.dispose()


async def test_a_handler_that_raises_leaves_the_update_for_telegram_to_send_again(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    calls = Calls(failures_left=1)
    async with worker(uow_factory, clock, calls) as w:
        # 500: Telegram retries what is not answered 2xx; the update is not marked done.
        assert await w.post(update(21, "boom")) == (500, "failed")
        [row] = (await claims(engine)).values()
        assert row.done_at is None and row.claimant is None and row.attempts == 1
        assert await w.post(update(21, "boom")) == (200, "handled")
        assert calls.handled == [21] and calls.entered == 2
        assert await w.post(update(21, "boom")) == (200, "duplicate")


async def test_an_update_that_always_fails_is_given_up_after_its_last_try(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    calls = Calls(failures_left=100)
    async with worker(uow_factory, clock, calls, give_up_at=3) as w:
        assert [await w.post(update(31, "boom")) for _ in range(4)] == [
            (500, "failed"),
            (500, "failed"),
            (200, "given_up"),  # acknowledged: it no longer holds Telegram's queue
            (200, "duplicate"),
        ]
        assert calls.entered == 3 and calls.handled == []
        assert await w.post(update(32)) == (200, "handled")  # the next one goes on as usual


async def test_an_update_whose_worker_died_is_handled_once_its_lease_runs_out(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    async with uow_factory() as uow:  # a worker claimed update 41, then was killed
        await uow.webhook_updates.claim(41, "dead-worker", clock(), clock() + timedelta(seconds=30))
        await uow.commit()
    calls = Calls()
    async with worker(uow_factory, clock, calls, busy_wait=0.3) as w:
        # Telegram retries while the lease lives: "come back later", not handled.
        assert await w.post(update(41)) == (503, "busy")
        assert calls.entered == 0
        clock.advance(seconds=31)
        assert await w.post(update(41)) == (200, "handled")
        assert calls.handled == [41]


async def test_a_slow_update_keeps_its_claim_past_the_lease_so_a_retry_waits(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """The lease is renewed while the handler works: a retry that comes after several leases
    waits for it instead of handling the update a second time."""

    def wall_clock() -> datetime:
        return datetime.now(UTC)

    calls = Calls()
    lease = timedelta(seconds=0.3)
    async with worker(uow_factory, wall_clock, calls, lease=lease, busy_wait=30) as w:
        first = asyncio.create_task(w.post(update(51, "wait")))
        await calls.started.wait()
        retry = asyncio.create_task(w.post(update(51, "wait")))
        await asyncio.sleep(1.0)  # three leases and more
        assert calls.entered == 1 and not retry.done()
        calls.release.set()
        assert sorted([await first, await retry]) == [(200, "duplicate"), (200, "handled")]
        assert calls.handled == [51]


async def test_update_ids_older_than_two_days_are_forgotten(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    old = clock() - timedelta(days=3)
    async with uow_factory() as uow:
        await uow.webhook_updates.claim(61, "w", old, old + timedelta(seconds=30))
        await uow.webhook_updates.done(61, "w", old)
        await uow.webhook_updates.claim(62, "w", clock() - timedelta(days=1), clock())
        await uow.commit()
    calls = Calls()
    async with worker(uow_factory, clock, calls) as w:
        assert await w.post(update(63)) == (200, "handled")
        await w.handler.close()  # the purge the first post started
        assert sorted(await claims(engine)) == [62, 63]


async def test_the_metrics_count_the_update_and_the_webhook_posts(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    calls = Calls()
    async with worker(uow_factory, clock, calls) as w:
        await w.post(update(71))
        await w.post(update(71))
        text = w.metrics.exposition().decode()
    assert 'salesbot_update_seconds_count{outcome="handled",type="message"} 1.0' in text
    assert 'salesbot_webhook_requests_total{outcome="handled"} 1.0' in text
    assert 'salesbot_webhook_requests_total{outcome="duplicate"} 1.0' in text


@pytest.mark.parametrize("text", ["boom"])
async def test_a_failed_update_is_timed_as_an_error(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock, text: str
) -> None:
    calls = Calls(failures_left=1)
    async with worker(uow_factory, clock, calls) as w:
        await w.post(update(81, text))
        exposition = w.metrics.exposition().decode()
    assert 'salesbot_update_seconds_count{outcome="error",type="message"} 1.0' in exposition
    assert 'salesbot_webhook_requests_total{outcome="failed"} 1.0' in exposition
