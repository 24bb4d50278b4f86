"""/healthz, /readyz and /metrics: what an orchestrator and Prometheus ask a process.

* /healthz: the process answers (its event loop runs). Always 200.
* /readyz: 200 when the database (and Redis, when REDIS_URL names one) answer and the outbox
  is not stuck; else 503 naming each reason. Stuck: a notice has been due for longer than
  `stuck_after` while Telegram is reachable, or this process's sender has stopped. While
  Telegram is unreachable the outbox waits for it, and a restart would not help: still ready.
* /metrics: the process's series (`bot.metrics`), the outbox's gauges read at the scrape.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from bot.domain.delivery import Backlog
from bot.metrics import CONTENT_TYPE, Metrics
from bot.services.clock import Clock
from bot.services.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)
STUCK_AFTER = timedelta(minutes=10)
CHECK_TIMEOUT = 3.0  # seconds for each dependency to answer


def _always() -> bool:
    return True


@dataclass
class Health:
    """The readiness checks of one process, over the things it depends on."""

    uows: UnitOfWorkFactory
    clock: Clock
    metrics: Metrics
    redis_ping: Callable[[], Awaitable[object]] | None = None
    telegram_reachable: Callable[[], bool] = _always
    sender_running: Callable[[], bool] = _always
    stuck_after: timedelta = STUCK_AFTER
    timeout: float = CHECK_TIMEOUT

    async def backlog(self) -> Backlog:
        async with asyncio.timeout(self.timeout), self.uows() as uow:
            return await uow.delivery.backlog(self.clock())

    async def problems(self) -> list[str]:
        """Why this process is not ready; empty when it is."""
        problems = []
        try:
            backlog: Backlog | None = await self.backlog()
        except Exception as error:
            backlog = None
            problems.append(f"database: {_first_line(error)}")
        if self.redis_ping is not None:
            try:
                async with asyncio.timeout(self.timeout):
                    await self.redis_ping()
            except Exception as error:
                problems.append(f"redis: {_first_line(error)}")
        if not self.sender_running():
            problems.append("outbox: this process's sender has stopped")
        if backlog is not None and self.telegram_reachable():
            age = backlog.age(self.clock())
            if age > self.stuck_after.total_seconds():
                problems.append(
                    f"outbox: a notice due {age:.0f} s ago is not sent ({backlog.waiting} waiting)"
                )
        return problems


def _first_line(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return text[0] if text else type(cause).__name__


def add_routes(app: web.Application, health: Health) -> None:
    """The three endpoints, on the webhook's server or the health port's."""

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(request: web.Request) -> web.Response:
        problems = await health.problems()
        if problems:
            return web.Response(status=503, text="not ready\n" + "\n".join(problems) + "\n")
        return web.Response(text="ready\n")

    async def metrics(request: web.Request) -> web.Response:
        try:
            health.metrics.outbox(await health.backlog(), health.clock())
        except Exception as error:
            log.warning("The outbox's gauges were not read: %s", _first_line(error))
        return web.Response(
            body=health.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE}
        )

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
