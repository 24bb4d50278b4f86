"""What the tasks room (`tasks.py`) needs of storage: tasks, and a deal to check access by."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain.deals import DealEvent
from bot.domain.ids import (
    DealId,
    TaskId,
    UserId,
)
from bot.domain.models import (
    Deal,
)
from bot.domain.tasks import Task, TaskChange
from bot.services.scope import ScopeStore


class TaskRepo(Protocol):
    async def add(
        self,
        *,
        deal_id: DealId | None,
        assignee_id: UserId,
        created_by: UserId,
        text: str,
        due_at: datetime,
        now: datetime,
    ) -> Task: ...
    async def get(self, task_id: TaskId) -> Task | None: ...
    async def apply(self, change: TaskChange) -> bool:
        """Write the change if the task is still at `expected_version`; False otherwise."""
        ...

    async def open_for(self, assignee_id: UserId, limit: int) -> list[Task]: ...
    async def open_for_deal(self, deal_id: DealId) -> list[Task]: ...
    async def deals_with_open_tasks(self, deal_ids: Sequence[DealId]) -> set[DealId]: ...
    async def overdue(
        self, now: datetime, limit: int, assignee_ids: frozenset[UserId] | None = None
    ) -> tuple[list[Task], int]:
        """Open tasks past due (of these assignees; None: anyone's), the longest overdue
        first, and how many there are in all."""
        ...

    async def due_reminders(self, now: datetime, limit: int) -> list[Task]: ...
    async def clear_reminder(self, task_id: TaskId, remind_at: datetime) -> bool:
        """Forget a reminder once it is queued; False when another process got there first."""
        ...

    async def reassign_open(self, deal_id: DealId, assignee_id: UserId) -> int: ...
    async def reassign_assignee(
        self, from_user: UserId, to_user: UserId, rearm_from: datetime
    ) -> int: ...
    async def cancel_open(self, deal_id: DealId) -> int:
        """A closed deal needs no next step: its open tasks stop reminding."""
        ...

    async def find_open(self, deal_id: DealId, text: str, due_at: datetime) -> Task | None: ...


class TaskRecords(Protocol):
    """The calls the tasks room makes; the full `TaskRepo` (jobs, members) has them all."""

    async def add(
        self,
        *,
        deal_id: DealId | None,
        assignee_id: UserId,
        created_by: UserId,
        text: str,
        due_at: datetime,
        now: datetime,
    ) -> Task: ...
    async def get(self, task_id: TaskId) -> Task | None: ...
    async def apply(self, change: TaskChange) -> bool: ...
    async def open_for(self, assignee_id: UserId, limit: int) -> list[Task]: ...
    async def find_open(self, deal_id: DealId, text: str, due_at: datetime) -> Task | None: ...
    async def open_for_deal(self, deal_id: DealId) -> list[Task]: ...


class TaskEvents(Protocol):
    async def add(self, event: DealEvent) -> None: ...


class TaskDeals(Protocol):
    async def get(self, deal_id: DealId) -> Deal | None: ...


class TaskStore(ScopeStore, Protocol):
    """The tasks room's unit of work: one transaction, committed by the service."""

    @property
    def tasks(self) -> TaskRecords: ...
    @property
    def deals(self) -> TaskDeals: ...
    @property
    def events(self) -> TaskEvents: ...

    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...
