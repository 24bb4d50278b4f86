"""Tasks: the next step of a deal, and the rules of when to remind and what is overdue."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.calendar import WorkCalendar
from bot.domain.ids import DealId, TaskId, UserId


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Task:
    id: TaskId
    deal_id: DealId | None
    assignee_id: UserId
    created_by: UserId
    text: str
    due_at: datetime
    status: TaskStatus
    created_at: datetime
    version: int
    remind_at: datetime | None = None
    done_at: datetime | None = None
    deal_title: str | None = None
    deal_version: int | None = None  # the deal as the task was read: a button's version
    client_name: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status is TaskStatus.OPEN


@dataclass(frozen=True, slots=True)
class WorkSchedule:
    """The team's working days (ISO weekdays, Monday = 1) and agenda time."""

    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    agenda_at: time = time(8, 30)
    day_end: time = time(19, 0)

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.working_days


def is_overdue(task: Task, now: datetime) -> bool:
    return task.is_open and task.due_at < now


def local_day_bounds(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of the team's current day, as aware instants."""
    day = now.astimezone(tz).date()
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def split_by_day(
    tasks: list[Task], now: datetime, tz: ZoneInfo
) -> tuple[list[Task], list[Task], list[Task]]:
    """Overdue, the rest of today, and upcoming: how a seller reads their list."""
    _, end = local_day_bounds(now, tz)
    overdue = [t for t in tasks if t.due_at < now]
    today = [t for t in tasks if now <= t.due_at < end]
    later = [t for t in tasks if t.due_at >= end]
    return overdue, today, later


def agenda_due(
    now: datetime, tz: ZoneInfo, schedule: WorkSchedule, work: WorkCalendar | None = None
) -> date | None:
    """The team day whose morning agenda is due now (working day, past agenda time, not over);
    the working day is the team calendar's (`work`: holidays off, moved working days on)."""
    local = now.astimezone(tz)
    working = work.is_working(local.date()) if work else schedule.is_working_day(local.date())
    if not working:
        return None
    if not schedule.agenda_at <= local.time() < schedule.day_end:
        return None
    return local.date()


@dataclass(frozen=True, slots=True)
class TaskChange:
    """The new state of a task; applied only if `expected_version` still holds."""

    task_id: TaskId
    expected_version: int
    status: TaskStatus
    due_at: datetime
    remind_at: datetime | None
    done_at: datetime | None = None
