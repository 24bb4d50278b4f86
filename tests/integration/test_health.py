"""/healthz, /readyz and /metrics as an orchestrator and Prometheus ask them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import job_context
from bot.config import Settings
from bot.domain.ids import TelegramId
from bot.domain.notices import DeliveryPolicy, Notice
from bot.health import Health, add_routes
from bot.jobs.reminders import send_due_reminders
from bot.jobs.scheduler import _logged
from bot.jobs.sender import Sender
from bot.metrics import Metrics
from bot.services.ports import UnitOfWorkFactory
from storage.db import make_engine, make_sessions
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.mocked_bot import MockedBot

MOSCOW = ZoneInfo("Europe/Moscow")


class Texts:
    def compose(self, reader: Any, entries: Any, why: Any) -> tuple[str, None]:
        return "\n".join(e.text for e in entries), None

    def unreachable(self, head: Any, user: Any) -> str:
        return "blocked"


@asynccontextmanager
async def served(health: Health) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    add_routes(app, health)
    async with TestClient(TestServer(app)) as client:
        yield client


async def get(health: Health, path: str) -> tuple[int, str]:
    async with served(health) as client:
        response = await client.get(path)
        return response.status, await response.text()


async def queue(uows: UnitOfWorkFactory, clock: FakeClock, minutes_ago: float) -> None:
    """A notice that was due `minutes_ago`."""
    notice = Notice(TelegramId(500), "test", "hello", dedup_key=f"t:{minutes_ago}",
                    not_before=clock() - timedelta(minutes=minutes_ago))  # fmt: skip
    async with uows() as uow:
        await uow.outbox.add([notice], clock())
        await uow.commit()


def health(uows: UnitOfWorkFactory, clock: FakeClock, **checks: Any) -> Health:
    return Health(uows, clock, Metrics(), **checks)


async def test_a_live_process_answers_healthz(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    assert await get(health(uow_factory, clock), "/healthz") == (200, "ok\n")


async def test_ready_with_the_database_and_an_outbox_that_moves(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await queue(uow_factory, clock, minutes_ago=2)  # due a little while: being worked on
    assert await get(health(uow_factory, clock), "/readyz") == (200, "ready\n")


async def test_not_ready_when_the_database_cannot_be_reached(clock: FakeClock) -> None:
    engine = make_engine("postgresql+asyncpg://sales:pw@127.0.0.1:9/none")
    try:
        uows = SqlUnitOfWorkFactory(make_sessions(engine))
        status, text = await get(health(uows, clock), "/readyz")
    finally:
        await engine.dispose()
    assert status == 503
    assert text.startswith("not ready\ndatabase: ")
    assert "pw" not in text


async def test_not_ready_when_redis_does_not_answer(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    async def ping() -> bool:
        raise ConnectionError("Error 111 connecting to 127.0.0.1:9. Connection refused.")

    status, text = await get(health(uow_factory, clock, redis_ping=ping), "/readyz")
    assert status == 503
    assert "redis: Error 111 connecting to 127.0.0.1:9. Connection refused." in text


async def test_not_ready_when_a_due_notice_waits_too_long_while_telegram_answers(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await queue(uow_factory, clock, minutes_ago=11)
    await queue(uow_factory, clock, minutes_ago=1)
    status, text = await get(health(uow_factory, clock), "/readyz")
    assert status == 503
    assert "outbox: a notice due 660 s ago is not sent (2 waiting)" in text


async def test_a_backlog_that_waits_for_telegram_does_not_make_the_process_unready(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    """Telegram away: restarting the worker would not help; the outbox waits and retries."""
    await queue(uow_factory, clock, minutes_ago=30)
    checks: dict[str, Callable[[], bool]] = {"telegram_reachable": lambda: False}
    assert await get(health(uow_factory, clock, **checks), "/readyz") == (200, "ready\n")


async def test_not_ready_when_the_sender_has_stopped(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    status, text = await get(health(uow_factory, clock, sender_running=lambda: False), "/readyz")
    assert (status, text) == (503, "not ready\noutbox: this process's sender has stopped\n")


async def test_metrics_show_the_outbox_sends_updates_and_job_runs(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    checks = health(uow_factory, clock)
    metrics = checks.metrics
    await queue(uow_factory, clock, minutes_ago=3)
    await queue(uow_factory, clock, minutes_ago=1)
    async with served(checks) as client:
        before = await (await client.get("/metrics")).text()
        assert "salesbot_outbox_backlog 2.0" in before
        assert "salesbot_outbox_oldest_due_seconds 180.0" in before

        bot = MockedBot()
        sender = Sender(bot, uow_factory, clock, DeliveryPolicy(), "w1", MOSCOW, None, Texts(),
                        count=metrics.send_outcome)  # fmt: skip
        assert await sender.run_once() == 1  # one chat: its oldest notice goes first
        ctx = job_context(Settings(_env_file=None), uow_factory, clock)
        await _logged(send_due_reminders, metrics.job_ran)(ctx)
        metrics.update_handled("message", "handled", 0.02)

        response = await client.get("/metrics")
        after = await response.text()
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert bot.texts() == ["hello"]
    assert 'salesbot_sends_total{outcome="sent"} 1.0' in after
    assert "salesbot_outbox_backlog 1.0" in after
    assert 'salesbot_job_runs_total{job="send_due_reminders",outcome="ok"} 1.0' in after
    assert 'salesbot_update_seconds_bucket{le="0.025",outcome="handled",type="message"} 1.0' in (
        after
    )


async def test_each_process_counts_in_its_own_registry(
    uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    one, other = Metrics(), Metrics()
    one.send_outcome("sent")
    assert 'salesbot_sends_total{outcome="sent"} 1.0' in one.exposition().decode()
    assert 'outcome="sent"' not in other.exposition().decode()
