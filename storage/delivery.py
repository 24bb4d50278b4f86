"""Reading the outbox for the admins' /delivery screen and the health checks (the sender owns
every write to it)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.delivery import Backlog, DeliveryCounts, FailedNotice
from bot.domain.ids import TelegramId, UserId
from storage.models import OutboxRow, UserRow

PENDING, SENDING, SENT, FAILED, DROPPED = "pending", "sending", "sent", "failed", "dropped"


class SqlDeliveryRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def counts(self, day_start: datetime, since: datetime) -> DeliveryCounts:
        """Waiting now, sent since `day_start`, failed and dropped since `since`."""
        o, count = OutboxRow, func.count
        row = (
            await self._s.execute(
                select(
                    count().filter(o.status.in_((PENDING, SENDING))),
                    count().filter(and_(o.status == SENT, o.sent_at >= day_start)),
                    count().filter(and_(o.status == FAILED, o.not_before >= since)),
                    count().filter(and_(o.status == DROPPED, o.not_before >= since)),
                )
            )
        ).one()
        return DeliveryCounts(*(int(n or 0) for n in row))

    async def backlog(self, now: datetime) -> Backlog:
        """How many notices wait, and since when the longest-due one could have been taken: a
        pending one due (its retry included), or one whose sender's lease ran out."""
        o = OutboxRow
        due_at = case(
            (o.status == SENDING, o.lease_until), else_=func.coalesce(o.retry_at, o.not_before)
        )
        takeable = or_(
            and_(
                o.status == PENDING,
                o.not_before <= now,
                or_(o.retry_at.is_(None), o.retry_at <= now),
            ),
            and_(o.status == SENDING, o.lease_until < now),
        )
        waiting, oldest = (
            await self._s.execute(
                select(
                    func.count().filter(o.status.in_((PENDING, SENDING))),
                    func.min(due_at).filter(takeable),
                )
            )
        ).one()
        return Backlog(int(waiting or 0), _utc(oldest))

    async def failures(
        self, since: datetime, offset: int, limit: int
    ) -> tuple[list[FailedNotice], int]:
        """Failed notices since `since`, the newest first: one page, and how many in all."""
        failed = and_(OutboxRow.status == FAILED, OutboxRow.not_before >= since)
        total = await self._s.scalar(select(func.count()).select_from(OutboxRow).where(failed))
        rows = await self._s.execute(
            select(
                OutboxRow.chat_id,
                OutboxRow.user_id,
                UserRow.name,
                OutboxRow.kind,
                OutboxRow.error,
                OutboxRow.not_before,
            )
            .outerjoin(UserRow, UserRow.id == OutboxRow.user_id)
            .where(failed)
            .order_by(OutboxRow.not_before.desc(), OutboxRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [
            FailedNotice(
                chat_id=TelegramId(chat_id),
                user_id=UserId(user_id) if user_id is not None else None,
                name=name,
                kind=kind,
                reason=error or "",
                at=at,
            )
            for chat_id, user_id, name, kind, error, at in rows
        ], int(total or 0)


def _utc(value: datetime | str | None) -> datetime | None:
    # An aggregate over a typed column loses the type's conversion on SQLite (a naive string).
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
