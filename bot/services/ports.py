"""What the services need from storage, as protocols; `storage/` implements them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from bot.domain.ids import ClientId, DealId, PipelineId, StageId, TelegramId, UserId
from bot.domain.models import (
    Client,
    Deal,
    DealEvent,
    DealStatus,
    Invite,
    Pipeline,
    Role,
    User,
)
from bot.domain.templates import PipelineTemplate


@dataclass(frozen=True, slots=True)
class DealQuery:
    """A page of deals: whose, which pipeline, only stalled ones (per-stage cut-offs)."""

    owner_id: UserId | None = None
    status: DealStatus | None = DealStatus.OPEN
    pipeline_id: PipelineId | None = None
    stalled_before: Sequence[tuple[StageId, datetime]] | None = None
    text: str | None = None
    offset: int = 0
    limit: int = 10


@dataclass(frozen=True, slots=True)
class DealChange:
    """The new state of a deal after a change; applied only if `expected_version` still holds."""

    deal_id: DealId
    expected_version: int
    stage_id: StageId
    status: DealStatus
    stage_entered_at: datetime
    closed_at: datetime | None = None
    lost_reason_id: int | None = None
    lost_reason_text: str | None = None


class UserRepo(Protocol):
    async def get(self, user_id: UserId) -> User | None: ...
    async def by_tg(self, tg_id: TelegramId) -> User | None: ...
    async def add(
        self,
        tg_id: TelegramId,
        name: str,
        username: str | None,
        role: Role,
        language: str,
        now: datetime,
    ) -> User: ...
    async def set_role(self, user_id: UserId, role: Role) -> None: ...
    async def set_default_pipeline(self, user_id: UserId, pipeline_id: PipelineId) -> None: ...
    async def list_staff(self) -> list[User]: ...
    async def names(self, ids: Sequence[UserId]) -> dict[UserId, str]: ...


class InviteRepo(Protocol):
    async def add(
        self, token: str, role: Role, created_by: UserId, now: datetime, expires_at: datetime
    ) -> Invite: ...
    async def get(self, token: str) -> Invite | None: ...
    async def use(self, token: str, user_id: UserId, now: datetime) -> bool:
        """Mark an unused, unexpired invite used; False when another press got there first."""
        ...


class SettingRepo(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def put(self, key: str, value: str) -> None: ...
    async def delete(self, key: str) -> None: ...


class PipelineRepo(Protocol):
    async def list_active(self) -> list[Pipeline]: ...
    async def get(self, pipeline_id: PipelineId) -> Pipeline | None: ...
    async def add_from_template(
        self, template: PipelineTemplate, lang: str, position: int
    ) -> None: ...
    async def count(self) -> int: ...


class ClientRepo(Protocol):
    async def get(self, client_id: ClientId) -> Client | None: ...
    async def find(self, text: str, limit: int) -> list[Client]: ...
    async def add(self, company: str, created_by: UserId, now: datetime) -> Client: ...


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


class EventRepo(Protocol):
    async def add(self, event: DealEvent) -> None: ...
    async def for_deal(self, deal_id: DealId) -> list[DealEvent]: ...


class UnitOfWork(Protocol):
    """One transaction; `commit()` is called by the service, everything else rolls back."""

    @property
    def users(self) -> UserRepo: ...
    @property
    def invites(self) -> InviteRepo: ...
    @property
    def settings(self) -> SettingRepo: ...
    @property
    def pipelines(self) -> PipelineRepo: ...
    @property
    def clients(self) -> ClientRepo: ...
    @property
    def deals(self) -> DealRepo: ...
    @property
    def events(self) -> EventRepo: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
