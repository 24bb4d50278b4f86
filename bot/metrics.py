"""Prometheus metrics of one process: updates, webhook posts, sends, job runs and the outbox.

Each process keeps its own registry in a `Metrics` built by `bot.app` and handed to whatever
counts (the update middleware, the webhook, the sender, the scheduler), so tests build one
each and nothing leaks between them. The outbox's gauges are read from the database when
/metrics is scraped (`bot.health`): the outbox is shared, so every worker shows the same.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from aiogram.types.update import UpdateTypeLookupError
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.domain.delivery import Backlog
from bot.domain.errors import DatabaseBusyError, DomainError

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Seconds: a screen answers in tens of milliseconds, a chart or an export in seconds.
UPDATE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """The process's series, under one registry that /metrics exposes."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.updates = Histogram(
            "salesbot_update_seconds",
            "Updates handled and the time each took, by update type and outcome "
            "(handled, ignored: no handler, refused: the person's mistake answered, busy, error)",
            ["type", "outcome"],
            buckets=UPDATE_BUCKETS,
            registry=registry,
        )
        self.webhook = Counter(
            "salesbot_webhook_requests",
            "Posts to the webhook by outcome (handled, duplicate, failed, given_up, busy, "
            "unavailable, unauthorized, bad_request)",
            ["outcome"],
            registry=registry,
        )
        self.sends = Counter(
            "salesbot_sends",
            "Outbox notices by what became of a try: sent, retry (Telegram unreachable, "
            "429, token refused), failed, unreachable (blocked, chat gone), dropped (stale)",
            ["outcome"],
            registry=registry,
        )
        self.jobs = Counter(
            "salesbot_job_runs",
            "Scheduled job runs by job and outcome (ok, busy, failed, stopped)",
            ["job", "outcome"],
            registry=registry,
        )
        self.backlog = Gauge(
            "salesbot_outbox_backlog",
            "Notices waiting in the outbox (pending or being sent), read at scrape",
            registry=registry,
        )
        self.oldest_due = Gauge(
            "salesbot_outbox_oldest_due_seconds",
            "How long the longest-due notice has waited past its time, read at scrape",
            registry=registry,
        )

    def update_handled(self, update_type: str, outcome: str, seconds: float) -> None:
        self.updates.labels(update_type, outcome).observe(seconds)

    def webhook_request(self, outcome: str) -> None:
        self.webhook.labels(outcome).inc()

    def send_outcome(self, outcome: str) -> None:
        self.sends.labels(outcome).inc()

    def job_ran(self, job: str, outcome: str) -> None:
        self.jobs.labels(job, outcome).inc()

    def outbox(self, backlog: Backlog, now: datetime) -> None:
        self.backlog.set(backlog.waiting)
        self.oldest_due.set(backlog.age(now))

    def exposition(self) -> bytes:
        """The Prometheus text format of every series."""
        return generate_latest(self.registry)


class UpdateMetricsMiddleware(BaseMiddleware):
    """Times each update from the dispatcher's side and counts how it ended."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        started, outcome = time.perf_counter(), "error"
        try:
            result = await handler(event, data)
            outcome = "ignored" if result is UNHANDLED else "handled"
            return result
        except DomainError:
            outcome = "refused"  # the errors router answers it politely
            raise
        except DatabaseBusyError:
            outcome = "busy"
            raise
        finally:
            self._metrics.update_handled(_kind(event), outcome, time.perf_counter() - started)


def _kind(event: TelegramObject) -> str:
    if not isinstance(event, Update):
        return type(event).__name__
    try:
        return event.event_type
    except UpdateTypeLookupError:  # a type newer than this aiogram knows
        return "unknown"
