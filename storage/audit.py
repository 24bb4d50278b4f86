"""The audit log: rows in, entries out. It never commits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.audit import AuditEntry
from bot.domain.ids import UserId
from storage.models import AuditRow


class SqlAuditRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, entry: AuditEntry) -> None:
        self._s.add(
            AuditRow(
                actor_id=entry.actor_id,
                at=entry.at,
                action=entry.action,
                subject=entry.subject,
                before=entry.before,
                after=entry.after,
            )
        )

    async def page(self, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
        total = int(await self._s.scalar(select(func.count()).select_from(AuditRow)) or 0)
        rows = await self._s.scalars(
            select(AuditRow)
            .order_by(AuditRow.at.desc(), AuditRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        entries = [
            AuditEntry(
                UserId(r.actor_id) if r.actor_id else None,
                r.at,
                r.action,
                r.subject,
                r.before,
                r.after,
            )
            for r in rows
        ]
        return entries, total
