"""How the notices are getting out: the admins' view of the outbox."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.delivery import DeliveryReport
from bot.domain.errors import AccessDeniedError
from bot.domain.models import Role, User
from bot.services.ports import UnitOfWork

PAGE = 8
WEEK = timedelta(days=7)


async def delivery_report(
    uow: UnitOfWork, actor: User, now: datetime, tz: ZoneInfo, page: int
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
