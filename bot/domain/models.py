"""The sales vocabulary as plain dataclasses (DOMAIN.md)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.domain.contacts import Contact
from bot.domain.ids import (
    ClientId,
    DealId,
    DepartmentId,
    LostReasonId,
    PipelineId,
    StageId,
    TelegramId,
    UserId,
)


class Role(enum.StrEnum):
    ADMIN = "admin"
    HEAD = "head"
    SELLER = "seller"
    CLIENT = "client"


class DealStatus(enum.StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Channel(enum.StrEnum):
    CALLS = "calls"
    EMAIL = "email"
    EVENTS = "events"
    CONFERENCES = "conferences"
    ADS = "ads"
    WEBINARS = "webinars"
    WEBSITE = "website"
    REFERRAL = "referral"


STAFF_ROLES = frozenset({Role.ADMIN, Role.HEAD, Role.SELLER})
MANAGER_ROLES = frozenset({Role.ADMIN, Role.HEAD})


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    tg_id: TelegramId
    name: str
    role: Role
    language: str
    is_active: bool = True
    username: str | None = None
    default_pipeline_id: PipelineId | None = None
    is_reachable: bool = True
    department_id: DepartmentId | None = None


@dataclass(frozen=True, slots=True)
class Department:
    """A team inside the sales department; its head manages its members."""

    id: DepartmentId
    name: str
    head_id: UserId | None = None


@dataclass(frozen=True, slots=True)
class Stage:
    id: StageId
    pipeline_id: PipelineId
    name: str
    position: int
    probability: int
    stall_days: int
    owner_id: UserId | None = None
    is_archived: bool = False


@dataclass(frozen=True, slots=True)
class LostReason:
    id: LostReasonId
    pipeline_id: PipelineId
    name: str
    is_archived: bool = False


@dataclass(frozen=True, slots=True)
class Pipeline:
    id: PipelineId
    name: str
    kind: str
    position: int
    stages: tuple[Stage, ...]
    lost_reasons: tuple[LostReason, ...] = ()
    is_archived: bool = False

    def stage(self, stage_id: StageId) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def next_stage(self, stage_id: StageId) -> Stage | None:
        ordered = sorted(self.stages, key=lambda s: s.position)
        ids = [s.id for s in ordered]
        if stage_id not in ids:
            return None
        index = ids.index(stage_id)
        return ordered[index + 1] if index + 1 < len(ordered) else None

    @property
    def first_stage(self) -> Stage:
        return min(self.stages, key=lambda s: s.position)


@dataclass(frozen=True, slots=True)
class Client:
    id: ClientId
    company: str
    contact_name: str | None = None
    phone: str | None = None
    telegram: str | None = None
    tg_id: TelegramId | None = None
    do_not_survey: bool = False


@dataclass(frozen=True, slots=True)
class Deal:
    id: DealId
    title: str
    client: Client | None
    amount: int | None
    currency: str
    pipeline_id: PipelineId
    stage_id: StageId
    owner_id: UserId
    status: DealStatus
    created_at: datetime
    stage_entered_at: datetime
    version: int
    channel: Channel | None = None
    product: str | None = None
    region: str | None = None
    is_new_client: bool = True
    expected_close_at: datetime | None = None
    closed_at: datetime | None = None
    lost_reason: str | None = None
    handoff_to_id: UserId | None = None
    owner_name: str = ""
    contact: Contact | None = None  # the client's person this deal is made with

    @property
    def is_open(self) -> bool:
        return self.status is DealStatus.OPEN


@dataclass(frozen=True, slots=True)
class Invite:
    token: str
    role: Role
    created_by: UserId
    expires_at: datetime
    used_by: UserId | None = None


@dataclass(frozen=True, slots=True)
class NewDealInput:
    """What a seller typed and chose in the /new flow, already parsed."""

    pipeline_id: PipelineId
    client_name: str
    client_id: ClientId | None = None
    amount: int | None = None
    channel: Channel | None = None
    product: str | None = None
