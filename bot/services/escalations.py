"""Overdue tasks reported to the seller's head: once per due time, past a span of working
time (the company's `escalate_after_hours`), grouped per head."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.access import is_manager, is_staff
from bot.domain.calendar import working_cutoff
from bot.domain.company import CompanySettings
from bot.domain.ids import TaskId, UserId
from bot.domain.models import Department, Role, User
from bot.domain.tasks import Task
from bot.services.calendar import CalendarReader, team_calendar
from bot.services.departments import DepartmentRepo
from bot.services.ports import UserRepo

BATCH = 500


class EscalationRepo(Protocol):
    async def owed(self, due_before: datetime, limit: int) -> list[Task]:
        """Open tasks due before `due_before` whose due time was not reported yet."""
        ...

    async def claim(self, task_id: TaskId, due_at: datetime) -> bool:
        """True for the one transaction anywhere that marks this due time reported."""
        ...


class EscalationStore(CalendarReader, Protocol):
    @property
    def escalations(self) -> EscalationRepo: ...
    @property
    def users(self) -> UserRepo: ...
    @property
    def departments(self) -> DepartmentRepo: ...


@dataclass(frozen=True, slots=True)
class Overdue:
    """One task a head is told of, with whose it is."""

    task: Task
    assignee: User


def heads_of(
    member: User, departments: Iterable[Department], managers: Sequence[User]
) -> list[User]:
    """Whom a member's overdue goes to: the head of their team; without one, the heads who
    lead no team (they run everyone); without those, the admins. Never the member."""
    active = [m for m in managers if is_manager(m) and m.id != member.id]
    team = next((d for d in departments if d.id == member.department_id), None)
    if team is not None and team.head_id is not None:
        head = [m for m in active if m.id == team.head_id]
        if head:
            return head
    leading = {d.head_id for d in departments if d.head_id is not None}
    free = [m for m in active if m.role is Role.HEAD and m.id not in leading]
    return free or [m for m in active if m.role is Role.ADMIN]


async def overdue_to_escalate(
    uow: EscalationStore, now: datetime, company: CompanySettings
) -> dict[UserId, tuple[User, list[Overdue]]]:
    """Per head, the tasks overdue longer than the company's span of working time that no
    run anywhere reported yet; each claimed here, so a second run (or process) adds nothing.
    The caller queues the notices and commits with the claims."""
    if not company.escalate_after_hours:
        return {}
    cal = await team_calendar(uow, company, now.astimezone(company.tz).date())
    span = timedelta(hours=company.escalate_after_hours)
    tasks = await uow.escalations.owed(working_cutoff(now, span, cal, company.tz), BATCH)
    if not tasks:
        return {}
    people = await uow.users.many(sorted({t.assignee_id for t in tasks}))
    departments = await uow.departments.list()
    managers = await uow.users.managers()
    per_head: dict[UserId, tuple[User, list[Overdue]]] = {}
    for task in tasks:
        # Claimed even when no one is told (a deactivated assignee): it is not read again.
        if not await uow.escalations.claim(task.id, task.due_at):
            continue
        assignee = people.get(task.assignee_id)
        if assignee is None or not is_staff(assignee):
            continue
        for head in heads_of(assignee, departments, managers):
            if head.is_reachable:
                per_head.setdefault(head.id, (head, []))[1].append(Overdue(task, assignee))
    return per_head
