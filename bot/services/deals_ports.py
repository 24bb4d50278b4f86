"""What the deals room (`deals.py`, `handoff.py`) needs of storage: deals and their history,
and of the other rooms only the few calls it makes; any unit of work has them all."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain.deals import DealChange, DealQuery
from bot.domain.ids import (
    ClientId,
    DealId,
    PipelineId,
    StageId,
    UserId,
)
from bot.domain.models import (
    Client,
    Deal,
    DealEvent,
    Pipeline,
    Stage,
    User,
)
from bot.domain.tasks import Task
from bot.services.notify import QueueStore
from bot.services.scope import ScopeStore


class DealRepo(Protocol):
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
    ) -> Deal: ...
    async def get(self, deal_id: DealId) -> Deal | None: ...
    async def apply(self, change: DealChange) -> bool:
        """Write the change if the deal is still at `expected_version`; False otherwise."""
        ...

    async def page(self, query: DealQuery) -> tuple[list[Deal], int]: ...
    async def reassign_open(self, from_owner: UserId, to_owner: UserId) -> list[DealId]:
        """Hand every open deal of one owner to another; the ids of the deals moved."""
        ...


class EventRepo(Protocol):
    async def add(self, event: DealEvent) -> None: ...
    async def add_many(self, events: Sequence[DealEvent]) -> None: ...
    async def for_deal(self, deal_id: DealId) -> list[DealEvent]: ...


class DealPipelines(Protocol):
    async def get(self, pipeline_id: PipelineId) -> Pipeline | None: ...
    async def list_active(self) -> list[Pipeline]: ...
    async def stages(self, ids: Sequence[StageId]) -> dict[StageId, Stage]: ...


class DealTasks(Protocol):
    async def open_for_deal(self, deal_id: DealId) -> list[Task]: ...
    async def deals_with_open_tasks(self, deal_ids: Sequence[DealId]) -> set[DealId]: ...
    async def cancel_open(self, deal_id: DealId) -> int: ...
    async def reassign_open(self, deal_id: DealId, assignee_id: UserId) -> int: ...


class DealClients(Protocol):
    async def get(self, client_id: ClientId) -> Client | None: ...
    async def find(self, text: str, limit: int) -> list[Client]: ...
    async def add(self, company: str, created_by: UserId, now: datetime) -> Client: ...


class DealPeople(Protocol):
    async def get(self, user_id: UserId) -> User | None: ...
    async def managers(self) -> list[User]: ...
    async def names(self, ids: Sequence[UserId]) -> dict[UserId, str]: ...
    async def set_default_pipeline(self, user_id: UserId, pipeline_id: PipelineId) -> None: ...


class DealStore(ScopeStore, QueueStore, Protocol):
    """The deals room's unit of work: one transaction, committed by the service."""

    @property
    def deals(self) -> DealRepo: ...
    @property
    def events(self) -> EventRepo: ...
    @property
    def pipelines(self) -> DealPipelines: ...
    @property
    def tasks(self) -> DealTasks: ...
    @property
    def clients(self) -> DealClients: ...
    @property
    def users(self) -> DealPeople: ...

    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...
