"""Reading the outbox for the admins' /delivery screen (the sender owns every write to it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.delivery import DeliveryCounts, FailedNotice
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
