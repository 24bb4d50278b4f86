"""Overdue tasks owed a report to the seller's head, and the claim that reports each once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import TaskId
from bot.domain.tasks import Task, TaskStatus
from storage.models import TaskRow
from storage.tasks import SqlTaskRepo, task_of

_UNREPORTED = or_(TaskRow.escalated_due_at.is_(None), TaskRow.escalated_due_at != TaskRow.due_at)


class SqlEscalationRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def owed(self, due_before: datetime, limit: int) -> list[Task]:
        """Open tasks due before `due_before` whose due time was not reported yet, the most
        recently due first (they are the ones owed a report now)."""
        rows = await self._s.execute(
            SqlTaskRepo(self._s)
            ._select()
            .where(
                TaskRow.status == TaskStatus.OPEN.value,
                TaskRow.due_at < due_before,
                _UNREPORTED,
            )
            .order_by(TaskRow.due_at.desc(), TaskRow.id)
            .limit(limit)
        )
        return [task_of(*r) for r in rows]

    async def claim(self, task_id: TaskId, due_at: datetime) -> bool:
        """True for the one transaction anywhere that marks this due time reported. On
        PostgreSQL a second one waits for the first's row lock, then finds the row reported."""
        result = await self._s.execute(
            update(TaskRow)
            .where(
                TaskRow.id == task_id,
                TaskRow.due_at == due_at,
                TaskRow.status == TaskStatus.OPEN.value,
                _UNREPORTED,
            )
            .values(escalated_due_at=TaskRow.due_at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
