"""An in-memory unit of work: the narrow ports of the deals and tasks rooms over plain dicts.

It fakes what the services ask (`DealStore`, `TaskStore`), not SQL: a `World` stands for the
database, shared by the units of work opened on it; a unit of work's writes are undone by
`rollback()` or by leaving it uncommitted, as a transaction's are. A deal or task change is
applied only at its expected version, as `storage/` does. `World.before_apply` lets a test
commit a colleague's change between a service's read and its write.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Self

from bot.domain.deals import DealChange, DealEvent, DealQuery
from bot.domain.ids import ClientId, DealId, DepartmentId, PipelineId, StageId, TaskId, UserId
from bot.domain.models import Client, Deal, DealStatus, Pipeline, Role, Stage, User
from bot.domain.notices import Notice
from bot.domain.tasks import Task, TaskChange, TaskStatus
from bot.services.deals_ports import DealStore
from bot.services.tasks_ports import TaskStore


@dataclass
class World:
    """What the database would hold; tests arrange it directly and read it after."""

    users: dict[UserId, User] = field(default_factory=dict)
    teams: dict[DepartmentId, UserId | None] = field(default_factory=dict)  # team → its head
    pipelines: dict[PipelineId, Pipeline] = field(default_factory=dict)
    clients: dict[ClientId, Client] = field(default_factory=dict)
    deals: dict[DealId, Deal] = field(default_factory=dict)
    events: list[DealEvent] = field(default_factory=list)
    tasks: dict[TaskId, Task] = field(default_factory=dict)
    outbox: list[Notice] = field(default_factory=list)
    # Another process's change, committed as a service is about to write (see `concurrently`).
    before_apply: Callable[[World], None] | None = None
    commits: int = 0
    open: list[MemoryUnitOfWork] = field(default_factory=list)

    def next_id(self, table: Collection[int]) -> int:
        return max(table, default=0) + 1

    def snapshot(self) -> dict[str, object]:
        return {
            name: copy.copy(getattr(self, name))
            for name in ("users", "teams", "pipelines", "clients", "deals", "events", "tasks")
        } | {"outbox": list(self.outbox)}

    def restore(self, saved: dict[str, object]) -> None:
        for name, value in saved.items():
            setattr(self, name, copy.copy(value))

    def concurrently(self) -> None:
        """Run the `before_apply` hook once, as another process's committed change: a rollback
        of the units of work open now keeps it."""
        hook, self.before_apply = self.before_apply, None
        if hook is None:
            return
        hook(self)
        for uow in self.open:
            shadow = World()
            shadow.restore(uow.saved)
            hook(shadow)
            uow.saved = shadow.snapshot()


class MemoryDeals:
    def __init__(self, world: World) -> None:
        self._w = world

    def _named(self, deal: Deal) -> Deal:
        owner = self._w.users.get(deal.owner_id)
        return replace(deal, owner_name=owner.name if owner else "")

    async def add(
        self,
        *,
        title: str,
        client_id: ClientId | None,
        amount: int | None,
        pipeline_id: PipelineId,
        stage_id: StageId,
        owner_id: UserId,
        channel: str | None,
        product: str | None,
        is_new_client: bool,
        now: datetime,
    ) -> Deal:
        deal_id = DealId(self._w.next_id(self._w.deals))
        deal = Deal(
            id=deal_id,
            title=title,
            client=self._w.clients.get(client_id) if client_id else None,
            amount=amount,
            currency="RUB",
            pipeline_id=pipeline_id,
            stage_id=stage_id,
            owner_id=owner_id,
            status=DealStatus.OPEN,
            created_at=now,
            stage_entered_at=now,
            version=1,
            product=product,
            is_new_client=is_new_client,
        )
        self._w.deals[deal_id] = deal
        return self._named(deal)

    async def get(self, deal_id: DealId) -> Deal | None:
        deal = self._w.deals.get(deal_id)
        return self._named(deal) if deal else None

    async def with_next_task(self, deal_id: DealId) -> tuple[Deal, Task | None] | None:
        deal = await self.get(deal_id)
        if deal is None:
            return None
        tasks = sorted(
            (t for t in self._w.tasks.values() if t.is_open and t.deal_id == deal_id),
            key=lambda t: (t.due_at, t.id),
        )
        return deal, tasks[0] if tasks else None

    async def apply(self, change: DealChange) -> bool:
        self._w.concurrently()
        deal = self._w.deals.get(change.deal_id)
        if deal is None or deal.version != change.expected_version:
            return False
        self._w.deals[deal.id] = replace(
            deal,
            stage_id=change.stage_id,
            status=change.status,
            stage_entered_at=change.stage_entered_at,
            owner_id=change.owner_id,
            handoff_to_id=change.handoff_to_id,
            closed_at=change.closed_at,
            lost_reason=change.lost_reason_text,
            version=deal.version + 1,
            **change.edited,
        )
        return True

    async def page(self, query: DealQuery) -> tuple[list[Deal], int]:
        found = [d for d in self._w.deals.values() if self._matches(d, query)]
        found.sort(key=lambda d: (d.pipeline_id, d.stage_entered_at, d.id))
        page = found[query.offset : query.offset + query.limit]
        return [self._named(d) for d in page], len(found)

    def _matches(self, deal: Deal, query: DealQuery) -> bool:
        return (
            (query.status is None or deal.status is query.status)
            and (query.owner_id is None or deal.owner_id == query.owner_id)
            and (query.pipeline_id is None or deal.pipeline_id == query.pipeline_id)
            and (query.text is None or query.text.casefold() in deal.title.casefold())
            and (query.managed_by is None or self._managed(query.managed_by, deal.owner_id))
        )

    def _managed(self, head: UserId, owner: UserId) -> bool:
        led = {t for t, h in self._w.teams.items() if h == head}
        member = self._w.users.get(owner)
        return not led or owner == head or (member is not None and member.department_id in led)

    async def reassign_open(self, from_owner: UserId, to_owner: UserId) -> list[DealId]:
        moved = [d.id for d in self._w.deals.values() if d.owner_id == from_owner and d.is_open]
        for i in moved:
            deal = self._w.deals[i]
            self._w.deals[i] = replace(deal, owner_id=to_owner, version=deal.version + 1)
        return moved


class MemoryEvents:
    def __init__(self, world: World) -> None:
        self._w = world

    async def add(self, event: DealEvent) -> None:
        self._w.events.append(event)

    async def add_many(self, events: Sequence[DealEvent]) -> None:
        self._w.events.extend(events)

    async def for_deal(self, deal_id: DealId) -> list[DealEvent]:
        return [e for e in self._w.events if e.deal_id == deal_id]


class MemoryPipelines:
    def __init__(self, world: World) -> None:
        self._w = world

    async def get(self, pipeline_id: PipelineId) -> Pipeline | None:
        return self._w.pipelines.get(pipeline_id)

    async def list_active(self) -> list[Pipeline]:
        active = [p for p in self._w.pipelines.values() if not p.is_archived]
        return sorted(active, key=lambda p: (p.position, p.id))

    async def stages(self, ids: Sequence[StageId]) -> dict[StageId, Stage]:
        every = {s.id: s for p in self._w.pipelines.values() for s in p.stages}
        return {i: every[i] for i in ids if i in every}


class MemoryTasks:
    def __init__(self, world: World) -> None:
        self._w = world

    def _open(self, **where: object) -> list[Task]:
        found = [
            t
            for t in self._w.tasks.values()
            if t.is_open and all(getattr(t, k) == v for k, v in where.items())
        ]
        return sorted(found, key=lambda t: (t.due_at, t.id))

    def _update(self, tasks: list[Task], **values: object) -> int:
        for t in tasks:
            self._w.tasks[t.id] = replace(t, version=t.version + 1, **values)  # type: ignore[arg-type]
        return len(tasks)

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
        task_id = TaskId(self._w.next_id(self._w.tasks))
        task = Task(
            task_id, deal_id, assignee_id, created_by, text, due_at, TaskStatus.OPEN, now, 1
        )
        self._w.tasks[task_id] = task = replace(task, remind_at=due_at)
        return task

    async def get(self, task_id: TaskId) -> Task | None:
        return self._w.tasks.get(task_id)

    async def apply(self, change: TaskChange) -> bool:
        self._w.concurrently()
        task = self._w.tasks.get(change.task_id)
        if task is None or task.version != change.expected_version:
            return False
        self._update(
            [task],
            status=change.status,
            due_at=change.due_at,
            remind_at=change.remind_at,
            done_at=change.done_at,
        )
        return True

    async def open_for(self, assignee_id: UserId, limit: int) -> list[Task]:
        return self._open(assignee_id=assignee_id)[:limit]

    async def find_open(self, deal_id: DealId, text: str, due_at: datetime) -> Task | None:
        return next(iter(self._open(deal_id=deal_id, text=text, due_at=due_at)), None)

    async def open_for_deal(self, deal_id: DealId) -> list[Task]:
        return self._open(deal_id=deal_id)

    async def deals_with_open_tasks(self, deal_ids: Sequence[DealId]) -> set[DealId]:
        return {t.deal_id for t in self._open() if t.deal_id in deal_ids and t.deal_id}

    async def cancel_open(self, deal_id: DealId) -> int:
        return self._update(
            self._open(deal_id=deal_id), status=TaskStatus.CANCELLED, remind_at=None
        )

    async def reassign_open(self, deal_id: DealId, assignee_id: UserId) -> int:
        return self._update(self._open(deal_id=deal_id), assignee_id=assignee_id)


class MemoryClients:
    def __init__(self, world: World) -> None:
        self._w = world

    async def get(self, client_id: ClientId) -> Client | None:
        return self._w.clients.get(client_id)

    async def find(self, text: str, limit: int) -> list[Client]:
        hits = [c for c in self._w.clients.values() if text.casefold() in c.company.casefold()]
        return hits[:limit]

    async def add(self, company: str, created_by: UserId, now: datetime) -> Client:
        client = Client(ClientId(self._w.next_id(self._w.clients)), company)
        self._w.clients[client.id] = client
        return client


class MemoryUsers:
    def __init__(self, world: World) -> None:
        self._w = world

    async def get(self, user_id: UserId) -> User | None:
        return self._w.users.get(user_id)

    async def managers(self) -> list[User]:
        roles = (Role.ADMIN, Role.HEAD)
        return [u for u in self._w.users.values() if u.role in roles and u.is_active]

    async def names(self, ids: Sequence[UserId]) -> dict[UserId, str]:
        return {i: self._w.users[i].name for i in ids if i in self._w.users}

    async def set_default_pipeline(self, user_id: UserId, pipeline_id: PipelineId) -> None:
        user = self._w.users[user_id]
        self._w.users[user_id] = replace(user, default_pipeline_id=pipeline_id)


class MemoryTeams:
    def __init__(self, world: World) -> None:
        self._w = world

    async def led_members(self, head_id: UserId) -> dict[DepartmentId, frozenset[UserId]]:
        led = [t for t, head in self._w.teams.items() if head == head_id]
        users = self._w.users.values()
        return {t: frozenset(u.id for u in users if u.department_id == t) for t in led}


class MemoryOutbox:
    def __init__(self, world: World) -> None:
        self._w = world

    async def add(self, notices: Sequence[Notice], now: datetime) -> int:
        keys = {n.dedup_key for n in self._w.outbox if n.dedup_key}
        fresh = [n for n in notices if n.dedup_key is None or n.dedup_key not in keys]
        self._w.outbox.extend(fresh)
        return len(fresh)


class MemoryUnitOfWork:
    """One transaction over a `World`: what is not committed is undone on leaving."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.deals = MemoryDeals(world)
        self.events = MemoryEvents(world)
        self.pipelines = MemoryPipelines(world)
        self.tasks = MemoryTasks(world)
        self.clients = MemoryClients(world)
        self.users = MemoryUsers(world)
        self.departments = MemoryTeams(world)
        self.outbox = MemoryOutbox(world)
        self.saved = world.snapshot()

    async def __aenter__(self) -> Self:
        self.saved = self.world.snapshot()
        self.world.open.append(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()
        self.world.open.remove(self)

    async def commit(self) -> None:
        self.world.commits += 1
        self.saved = self.world.snapshot()

    async def rollback(self) -> None:
        self.world.restore(self.saved)


def _fits(uow: MemoryUnitOfWork) -> tuple[DealStore, TaskStore]:
    """mypy checks here that the fake has every call of the narrow ports it stands for."""
    return uow, uow
