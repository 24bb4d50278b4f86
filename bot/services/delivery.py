"""How the notices are getting out: the admins' view of the outbox."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain.delivery import Backlog, DeliveryCounts, DeliveryReport, FailedNotice
from bot.domain.errors import AccessDeniedError
from bot.domain.models import (
    Role,
    User,
)

PAGE = 8
WEEK = timedelta(days=7)


class DeliveryStore(Protocol):
    """What the delivery report reads: the outbox, for admins."""

    @property
    def delivery(self) -> DeliveryRepo: ...


class DeliveryRepo(Protocol):
    """The outbox read for admins (the sender alone writes it)."""

    async def counts(self, day_start: datetime, since: datetime) -> DeliveryCounts: ...
    async def backlog(self, now: datetime) -> Backlog: ...
    async def failures(
        self, since: datetime, offset: int, limit: int
    ) -> tuple[list[FailedNotice], int]: ...


async def delivery_report(
    uow: DeliveryStore, actor: User, now: datetime, tz: ZoneInfo, page: int
) -> DeliveryReport:
    """Counts of waiting, sent today and failed this week, and a page of the failures."""
    if not actor.is_active or actor.role is not Role.ADMIN:
        raise AccessDeniedError()
    midnight = datetime.combine(now.astimezone(tz).date(), time(), tzinfo=tz)
    since = now - WEEK
    counts = await uow.delivery.counts(midnight, since)
    pages = max(1, -(-counts.failed_week // PAGE))
    page = min(max(page, 0), pages - 1)
    failures, _ = await uow.delivery.failures(since, page * PAGE, PAGE)
    return DeliveryReport(counts, failures, page, pages)
