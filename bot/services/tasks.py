"""Tasks: set the next step, close it, move it, and see what is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.access import in_scope, is_manager, is_staff
from bot.domain.deals import DealEvent, EventKind
from bot.domain.errors import (
    AccessDeniedError,
    DealNotFoundError,
    StaleActionError,
    TaskDoneError,
    TaskNotFoundError,
)
from bot.domain.ids import DealId, TaskId
from bot.domain.models import Deal, User
from bot.domain.tasks import Task, TaskChange, TaskStatus, split_by_day
from bot.domain.text import TASK_MAX, clean_text
from bot.services.scope import may_touch_deal, owner_scope_of
from bot.services.tasks_ports import TaskStore

LIST_LIMIT = 50


@dataclass(frozen=True, slots=True)
class TaskList:
    overdue: list[Task]
    today: list[Task]
    later: list[Task]

    @property
    def total(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.later)


async def _may_touch(uow: TaskStore, actor: User, task: Task) -> bool:
    """Its assignee and author; a manager whose scope takes in its assignee."""
    if not is_staff(actor):
        return False
    if actor.id in (task.assignee_id, task.created_by):
        return True
    return is_manager(actor) and in_scope(await owner_scope_of(uow, actor), task.assignee_id)


async def _task_for(uow: TaskStore, actor: User, task_id: TaskId) -> Task:
    task = await uow.tasks.get(task_id)
    if task is None:
        raise TaskNotFoundError()
    if task.deal_id is not None:
        # A deal's tasks follow the deal: after a handoff the previous owner is out.
        deal = await uow.deals.get(task.deal_id)
        allowed = deal is not None and await may_touch_deal(uow, actor, deal)
    else:
        allowed = await _may_touch(uow, actor, task)
    if not allowed:
        raise AccessDeniedError()
    return task


async def create_task(
    uow: TaskStore,
    actor: User,
    *,
    text: str,
    due_at: datetime,
    now: datetime,
    deal_id: DealId | None = None,
) -> Task:
    """A task for the deal's owner (or for the actor without a deal), reminded at its due time."""
    if not is_staff(actor):
        raise AccessDeniedError()
    assignee = actor.id
    if deal_id is not None:
        deal = await uow.deals.get(deal_id)
        if deal is None:
            raise DealNotFoundError()
        if not await may_touch_deal(uow, actor, deal):
            raise AccessDeniedError()
        assignee = deal.owner_id
        same = await uow.tasks.find_open(deal_id, clean_text(text, TASK_MAX), due_at)
        if same is not None:
            return same  # a second tap on the same quick pick
    task = await uow.tasks.add(
        deal_id=deal_id,
        assignee_id=assignee,
        created_by=actor.id,
        text=clean_text(text, TASK_MAX),
        due_at=due_at,
        now=now,
    )
    await _record(uow, task, EventKind.TASK_SET, actor, now, after=task.due_at)
    await uow.commit()
    return task


async def _record(
    uow: TaskStore,
    task: Task,
    kind: EventKind,
    actor: User,
    now: datetime,
    *,
    before: datetime | None = None,
    after: datetime | None = None,
) -> None:
    """A deal's task set, moved or done: a row of the deal's history."""
    if task.deal_id is None:
        return
    event = DealEvent(
        task.deal_id,
        kind,
        actor.id,
        now,
        text=task.text,
        before=before.astimezone(UTC).isoformat() if before else None,
        after=after.astimezone(UTC).isoformat() if after else None,
    )
    await uow.events.add(event)


async def open_task(uow: TaskStore, actor: User, task_id: TaskId) -> Task:
    """One task, for its assignee, its author, a head or an admin."""
    return await _task_for(uow, actor, task_id)


async def complete_task(uow: TaskStore, actor: User, task_id: TaskId, now: datetime) -> Task:
    """Mark the task done; a second press says it already is."""
    task = await _task_for(uow, actor, task_id)
    if not task.is_open:
        raise TaskDoneError()
    change = TaskChange(task.id, task.version, TaskStatus.DONE, task.due_at, None, done_at=now)
    await _record(uow, task, EventKind.TASK_DONE, actor, now)
    return await _apply(uow, change)


async def left_without_next_step(uow: TaskStore, actor: User, task: Task) -> Deal | None:
    """The open deal whose last open task this was, so its next step is asked for at once."""
    if task.deal_id is None or task.is_open:
        return None
    deal = await uow.deals.get(task.deal_id)
    if deal is None or not deal.is_open or not await may_touch_deal(uow, actor, deal):
        return None
    return None if await uow.tasks.open_for_deal(deal.id) else deal


async def reschedule_task(
    uow: TaskStore, actor: User, task_id: TaskId, due_at: datetime, now: datetime
) -> Task:
    """A new due time, and a new reminder at it."""
    task = await _task_for(uow, actor, task_id)
    if not task.is_open:
        raise TaskDoneError()
    change = TaskChange(task.id, task.version, TaskStatus.OPEN, due_at, due_at)
    if due_at != task.due_at:
        await _record(uow, task, EventKind.TASK_MOVED, actor, now, before=task.due_at, after=due_at)
    return await _apply(uow, change)


async def _apply(uow: TaskStore, change: TaskChange) -> Task:
    if not await uow.tasks.apply(change):
        await uow.rollback()
        raise StaleActionError()
    await uow.commit()
    task = await uow.tasks.get(change.task_id)
    assert task is not None
    return task


async def my_tasks(uow: TaskStore, actor: User, now: datetime, tz: ZoneInfo) -> TaskList:
    """The actor's open tasks: overdue, the rest of today, upcoming."""
    if not is_staff(actor):
        raise AccessDeniedError()
    tasks = await uow.tasks.open_for(actor.id, LIST_LIMIT)
    return TaskList(*split_by_day(tasks, now, tz))
