"""Tasks and job-run claims: rows in, domain dataclasses out. They never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import DealId, TaskId, UserId
from bot.domain.tasks import Task, TaskChange, TaskStatus
from storage.models import ClientRow, DealRow, JobRunRow, TaskRow


def task_of(
    row: TaskRow, deal_title: str | None, deal_version: int | None, client_name: str | None
) -> Task:
    return Task(
        id=TaskId(row.id),
        deal_id=DealId(row.deal_id) if row.deal_id else None,
        assignee_id=UserId(row.assignee_id),
        created_by=UserId(row.created_by),
        text=row.text,
        due_at=row.due_at,
        status=TaskStatus(row.status),
        created_at=row.created_at,
        version=row.version,
        remind_at=row.remind_at,
        done_at=row.done_at,
        deal_title=deal_title,
        deal_version=deal_version,
        client_name=client_name,
    )


class SqlTaskRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    def _select(self) -> Select[TaskRow, str, int, str]:
        """A task with its deal's title and version and its client's name, when it has them."""
        return (
            select(TaskRow, DealRow.title, DealRow.version, ClientRow.company)
            .outerjoin(DealRow, DealRow.id == TaskRow.deal_id)
            .outerjoin(ClientRow, ClientRow.id == DealRow.client_id)
        )

    async def add(
        self,
        *,
        deal_id: DealId | None,
        assignee_id: UserId,
        created_by: UserId,
        text: str,
        due_at: datetime,
        now: datetime,
    ) -> Task:
        row = TaskRow(
            deal_id=deal_id,
            assignee_id=assignee_id,
            created_by=created_by,
            text=text,
            due_at=due_at,
            status=TaskStatus.OPEN.value,
            remind_at=due_at,
            created_at=now,
            version=1,
        )
        self._s.add(row)
        await self._s.flush()
        task = await self.get(TaskId(row.id))
        assert task is not None
        return task

    async def get(self, task_id: TaskId) -> Task | None:
        found = (await self._s.execute(self._select().where(TaskRow.id == task_id))).first()
        return task_of(*found) if found else None

    async def apply(self, change: TaskChange) -> bool:
        result = await self._s.execute(
            update(TaskRow)
            .where(TaskRow.id == change.task_id, TaskRow.version == change.expected_version)
            .values(
                status=change.status.value,
                due_at=change.due_at,
                remind_at=change.remind_at,
                done_at=change.done_at,
                version=TaskRow.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def open_for(self, assignee_id: UserId, limit: int) -> list[Task]:
        rows = await self._s.execute(
            self._select()
            .where(TaskRow.assignee_id == assignee_id, TaskRow.status == TaskStatus.OPEN.value)
            .order_by(TaskRow.due_at, TaskRow.id)
            .limit(limit)
        )
        return [task_of(*r) for r in rows]

    async def open_for_deal(self, deal_id: DealId) -> list[Task]:
        rows = await self._s.execute(
            self._select()
            .where(TaskRow.deal_id == deal_id, TaskRow.status == TaskStatus.OPEN.value)
            .order_by(TaskRow.due_at, TaskRow.id)
        )
        return [task_of(*r) for r in rows]

    async def deals_with_open_tasks(self, deal_ids: Sequence[DealId]) -> set[DealId]:
        if not deal_ids:
            return set()
        rows = await self._s.scalars(
            select(TaskRow.deal_id)
            .where(TaskRow.deal_id.in_(set(deal_ids)), TaskRow.status == TaskStatus.OPEN.value)
            .distinct()
        )
        return {DealId(r) for r in rows if r is not None}

    async def overdue(
        self, now: datetime, limit: int, assignee_ids: frozenset[UserId] | None = None
    ) -> tuple[list[Task], int]:
        """Open tasks past due, the longest overdue first, and how many there are in all."""
        late = and_(TaskRow.status == TaskStatus.OPEN.value, TaskRow.due_at < now)
        if assignee_ids is not None:
            late = and_(late, TaskRow.assignee_id.in_(sorted(assignee_ids)))
        total = await self._s.scalar(select(func.count()).select_from(TaskRow).where(late))
        rows = await self._s.execute(
            self._select().where(late).order_by(TaskRow.due_at, TaskRow.id).limit(limit)
        )
        return [task_of(*r) for r in rows], int(total or 0)

    async def due_reminders(self, now: datetime, limit: int) -> list[Task]:
        # remind_at is NULL except while a reminder is owed, so its index stays small and sharp.
        rows = await self._s.execute(
            self._select()
            .where(TaskRow.remind_at <= now, TaskRow.status == TaskStatus.OPEN.value)
            .order_by(TaskRow.remind_at, TaskRow.id)
            .limit(limit)
        )
        return [task_of(*r) for r in rows]

    async def clear_reminder(self, task_id: TaskId, remind_at: datetime) -> bool:
        result = await self._s.execute(
            update(TaskRow)
            .where(TaskRow.id == task_id, TaskRow.remind_at == remind_at)
            .values(remind_at=None)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def reassign_assignee(
        self, from_user: UserId, to_user: UserId, rearm_from: datetime
    ) -> int:
        # A reminder the leaving member was owed (or had queued) comes to the new assignee:
        # tasks due since `rearm_from` without a pending reminder get one again.
        rearm = case(
            (
                and_(TaskRow.remind_at.is_(None), TaskRow.due_at >= rearm_from),
                TaskRow.due_at,
            ),
            else_=TaskRow.remind_at,
        )
        result = await self._s.execute(
            update(TaskRow)
            .where(TaskRow.assignee_id == from_user, TaskRow.status == TaskStatus.OPEN.value)
            .values(assignee_id=to_user, remind_at=rearm, version=TaskRow.version + 1)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def cancel_open(self, deal_id: DealId) -> int:
        result = await self._s.execute(
            update(TaskRow)
            .where(TaskRow.deal_id == deal_id, TaskRow.status == TaskStatus.OPEN.value)
            .values(status=TaskStatus.CANCELLED.value, remind_at=None, version=TaskRow.version + 1)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def find_open(self, deal_id: DealId, text: str, due_at: datetime) -> Task | None:
        found = (
            await self._s.execute(
                self._select().where(
                    TaskRow.deal_id == deal_id,
                    TaskRow.status == TaskStatus.OPEN.value,
                    TaskRow.text == text,
                    TaskRow.due_at == due_at,
                )
            )
        ).first()
        return task_of(*found) if found else None

    async def reassign_open(self, deal_id: DealId, assignee_id: UserId) -> int:
        result = await self._s.execute(
            update(TaskRow)
            .where(TaskRow.deal_id == deal_id, TaskRow.status == TaskStatus.OPEN.value)
            .values(assignee_id=assignee_id, version=TaskRow.version + 1)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class SqlJobRunRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def claim(self, name: str, period: str, now: datetime) -> bool:
        dialect = postgresql if self._s.get_bind().dialect.name == "postgresql" else sqlite
        stmt = (
            dialect.insert(JobRunRow)
            .values(name=name, period=period, claimed_at=now)
            .on_conflict_do_nothing(index_elements=["name", "period"])
        )
        result = await self._s.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]
