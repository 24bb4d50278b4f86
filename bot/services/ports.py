"""What the services need from storage, as protocols; `storage/` implements them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from types import TracebackType
from typing import Any, Literal, Protocol, Self
from zoneinfo import ZoneInfo

from bot.domain.analytics import (
    ClientMonth,
    Cohort,
    Cut,
    FunnelCount,
    LastPurchase,
    OpenPipeline,
    ReasonTotal,
)
from bot.domain.delivery import Backlog, DeliveryCounts, FailedNotice
from bot.domain.digest import DigestRows, DigestWindow
from bot.domain.export import AnswerExportRow, DealExportRow, PlanExportRow, TaskExportRow
from bot.domain.ids import (
    ClientId,
    DealId,
    DepartmentId,
    LostReasonId,
    PipelineId,
    StageId,
    TaskId,
    TelegramId,
    UserId,
)
from bot.domain.metrics import ClosedDeal
from bot.domain.models import (
    Client,
    Deal,
    DealEvent,
    DealStatus,
    Department,
    Invite,
    LostReason,
    Pipeline,
    Role,
    Stage,
    User,
)
from bot.domain.notices import Entry, Merge, Notice, OutboxItem, QuietHours
from bot.domain.plans import Plan
from bot.domain.stage_metrics import StageStay
from bot.domain.surveys import OpenedSurvey, Survey, SurveyAnswerRow, SurveyKind
from bot.domain.tasks import Task, TaskStatus
from bot.domain.templates import PipelineTemplate


@dataclass(frozen=True, slots=True)
class DealQuery:
    """A page of deals: whose, which pipeline, only stalled ones (per-stage cut-offs)."""

    owner_id: UserId | None = None
    managed_by: UserId | None = None  # a head: only the deals of the people they manage
    status: DealStatus | None = DealStatus.OPEN
    pipeline_id: PipelineId | None = None
    stalled_before: Sequence[tuple[StageId, datetime]] | None = None
    text: str | None = None
    without_task: bool = False
    newest_first: bool = False  # by the time the deal entered its stage, latest first
    offset: int = 0
    limit: int = 10


@dataclass(frozen=True, slots=True)
class DealChange:
    """The new state of a deal after a change; applied only if `expected_version` still holds.

    Build it with `DealChange.of(deal, ...)`, which keeps what the change does not touch.
    """

    deal_id: DealId
    expected_version: int
    stage_id: StageId
    status: DealStatus
    stage_entered_at: datetime
    owner_id: UserId
    handoff_to_id: UserId | None
    closed_at: datetime | None
    lost_reason_id: int | None
    lost_reason_text: str | None

    @classmethod
    def of(cls, deal: Deal, **changes: Any) -> DealChange:
        """The deal as it is, open, with `changes` applied (closing fields default to empty)."""
        fields: dict[str, Any] = {
            "deal_id": deal.id,
            "expected_version": deal.version,
            "stage_id": deal.stage_id,
            "status": deal.status,
            "stage_entered_at": deal.stage_entered_at,
            "owner_id": deal.owner_id,
            "handoff_to_id": deal.handoff_to_id,
            "closed_at": None,
            "lost_reason_id": None,
            "lost_reason_text": None,
        }
        return cls(**(fields | changes))


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
    async def set_language(self, user_id: UserId, language: str) -> None: ...
    async def set_active(self, user_id: UserId, active: bool) -> None: ...
    async def set_default_pipeline(self, user_id: UserId, pipeline_id: PipelineId) -> None: ...
    async def list_staff(self) -> list[User]: ...
    async def names(self, ids: Sequence[UserId]) -> dict[UserId, str]: ...
    async def set_reachable(self, user_id: UserId, reachable: bool) -> bool:
        """Record whether Telegram delivers to the user; True when that changed."""
        ...

    async def managers(self) -> list[User]: ...
    async def many(self, ids: Sequence[UserId]) -> dict[UserId, User]: ...


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
    async def with_prefix(self, prefix: str) -> dict[str, str]: ...
    async def lock(self, name: str) -> None:
        """Hold a named lock to the end of the transaction (other processes wait for it)."""
        ...


class PipelineRepo(Protocol):
    async def list_active(self) -> list[Pipeline]: ...
    async def get(self, pipeline_id: PipelineId) -> Pipeline | None: ...
    async def hand_over_stages(self, from_owner: UserId, to_owner: UserId) -> int:
        """Stages owned by one member pass to another; how many did."""
        ...

    async def add_from_template(
        self, template: PipelineTemplate, lang: str, position: int
    ) -> PipelineId: ...
    async def count(self) -> int: ...


PipelineField = Literal["name", "is_archived"]
StageField = Literal["name", "position", "probability", "stall_days", "owner_id", "is_archived"]
ReasonField = Literal["name", "is_archived"]


class PipelineAdminRepo(Protocol):
    """What /pipelines changes; reads here are fresh within the unit of work."""

    async def load(self, pipeline_id: PipelineId) -> Pipeline | None: ...
    async def list_active(self) -> list[Pipeline]: ...
    async def stages(self, ids: Sequence[StageId]) -> dict[StageId, Stage]: ...
    async def reason(self, reason_id: LostReasonId) -> LostReason | None: ...
    async def add_pipeline(self, name: str, kind: str) -> PipelineId: ...
    async def add_stage(
        self, pipeline_id: PipelineId, name: str, probability: int, stall_days: int
    ) -> StageId: ...
    async def add_reason(self, pipeline_id: PipelineId, name: str) -> LostReasonId: ...
    async def set_pipeline(
        self, pipeline_id: PipelineId, field: PipelineField, value: object
    ) -> None: ...
    async def set_stage(self, stage_id: StageId, field: StageField, value: object) -> None: ...
    async def set_reason(
        self, reason_id: LostReasonId, field: ReasonField, value: object
    ) -> None: ...
    async def open_deals(
        self, pipeline_id: PipelineId | None = None, stage_id: StageId | None = None
    ) -> list[tuple[DealId, StageId]]: ...
    async def move_deals(self, deal_ids: Sequence[DealId], stage: Stage, now: datetime) -> int:
        """Open deals into the stage (and its pipeline); how many moved."""
        ...


class ClientRepo(Protocol):
    async def get(self, client_id: ClientId) -> Client | None: ...
    async def find(self, text: str, limit: int) -> list[Client]: ...
    async def add(self, company: str, created_by: UserId, now: datetime) -> Client: ...
    async def link_chat(self, client_id: ClientId, tg_id: TelegramId) -> None: ...
    async def opt_out(self, client_id: ClientId) -> None: ...
    async def by_chat(self, tg_id: TelegramId) -> Client | None: ...


@dataclass(frozen=True, slots=True)
class TaskChange:
    task_id: TaskId
    expected_version: int
    status: TaskStatus
    due_at: datetime
    remind_at: datetime | None
    done_at: datetime | None = None


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


class OutboxRepo(Protocol):
    async def add(self, notices: Sequence[Notice], now: datetime) -> int:
        """Queue the notices; one whose `dedup_key` is already queued is skipped. Returns added."""
        ...

    async def claim(
        self, owner: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[OutboxItem]:
        """Lease, for this worker alone, up to `limit` chats' next due notices (each the oldest
        undelivered one of its chat; an item whose lease ran out counts as undelivered)."""
        ...

    async def followers(self, chat_ids: Collection[int], now: datetime) -> list[OutboxItem]:
        """The due notices waiting behind these chats' heads, in queue order."""
        ...

    async def merge(
        self,
        head: int,
        owner: str,
        entries: Sequence[Entry],
        why: Merge,
        merged: Collection[int],
        text: str,
        reply_markup: dict[str, Any] | None,
    ) -> None: ...
    async def live_refs(self, refs: Iterable[str], now: datetime) -> set[str]: ...
    async def sent_since(
        self, chat_ids: Collection[int], since: datetime
    ) -> dict[int, list[tuple[datetime, str]]]: ...
    async def sending_owners(self) -> set[str]: ...
    async def release(self, owner: str) -> int: ...
    async def mark_sent(
        self, item_id: int, owner: str, now: datetime, message_id: int | None = None
    ) -> None:
        """Delivered; `message_id` is Telegram's id of its first part (a list's pages turn
        in it)."""
        ...

    async def part_sent(
        self, item_id: int, owner: str, parts_sent: int, message_id: int | None = None
    ) -> None: ...
    async def sent_list(self, chat_id: int, message_id: int) -> OutboxItem | None:
        """The notice delivered to the chat as that message, if it was recorded."""
        ...

    async def retry(
        self, item_id: int, owner: str, retry_at: datetime, error: str, attempts: int
    ) -> None: ...
    async def defer(self, item_id: int, owner: str, until: datetime, reason: str) -> None: ...
    async def mark_failed(self, item_id: int, owner: str, error: str) -> None: ...
    async def drop(self, item_id: int, owner: str, reason: str) -> None: ...
    async def purge_files(self, before: datetime) -> None: ...


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


class JobRunRepo(Protocol):
    async def claim(self, name: str, period: str, now: datetime) -> bool:
        """True for the first claim of (name, period) anywhere; False ever after."""
        ...


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A deal whose client is due a survey through Telegram."""

    deal_id: DealId
    client_id: ClientId
    seller_id: UserId
    pipeline_id: PipelineId


class SurveyRepo(Protocol):
    async def add(
        self,
        *,
        token: str,
        client_id: ClientId,
        seller_id: UserId,
        deal_id: DealId | None,
        pipeline_id: PipelineId | None,
        kind: SurveyKind,
        created_by: UserId | None,
        now: datetime,
        expires_at: datetime,
    ) -> Survey: ...
    async def get(self, survey_id: int) -> Survey | None: ...
    async def by_token(self, token: str) -> Survey | None: ...
    async def answer(self, survey_id: int, score: int, now: datetime) -> bool:
        """Record the score of a pending survey; False when it was answered already."""
        ...

    async def comment(self, survey_id: int, text: str) -> bool: ...
    async def opt_out(self, survey_id: int) -> bool: ...
    async def set_recovery_task(self, survey_id: int, task_id: int) -> bool: ...
    async def open_for_chat(self, chat_id: int, now: datetime) -> Survey | None:
        """The newest unanswered survey this chat is asked."""
        ...

    async def pending_link(self, deal_id: DealId, now: datetime) -> Survey | None:
        """A link for the deal that nobody has opened yet, still valid."""
        ...

    async def bind_chat(self, survey_id: int, chat_id: int) -> bool:
        """Tie the survey to the chat answering it; False when another chat already has it."""
        ...

    async def last_for_client(self, client_id: ClientId) -> datetime | None: ...
    async def answers(
        self, start: datetime, end: datetime, seller_id: UserId | None
    ) -> list[SurveyAnswerRow]: ...
    async def sent_count(
        self, start: datetime, end: datetime, seller_id: UserId | None
    ) -> tuple[int, int]:
        """Surveys created in the period, and how many of them are answered."""
        ...

    async def due_after_won(
        self, won_from: datetime, won_to: datetime, limit: int
    ) -> list[FollowUp]: ...
    async def due_relationship(self, asked_before: datetime, limit: int) -> list[FollowUp]: ...


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor_id: UserId | None
    at: datetime
    action: str
    subject: str
    before: str | None
    after: str | None


class AuditRepo(Protocol):
    async def add(self, entry: AuditEntry) -> None: ...
    async def page(self, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
        """Newest first, and how many there are in all."""
        ...


class PlanRepo(Protocol):
    async def for_month(self, month: date) -> list[Plan]: ...
    async def between(self, start: date, end: date) -> list[Plan]:
        """Plans of the months in [start, end), by month then seller."""
        ...

    async def save(self, plans: Sequence[Plan], by: UserId | None, now: datetime) -> None:
        """Insert or replace each seller's plan for its month."""
        ...


class DepartmentRepo(Protocol):
    async def list(self) -> list[Department]: ...
    async def get(self, department_id: DepartmentId) -> Department | None: ...
    async def add(self, name: str, now: datetime) -> Department: ...
    async def rename(self, department_id: DepartmentId, name: str) -> None: ...
    async def set_head(self, department_id: DepartmentId, head_id: UserId | None) -> None: ...
    async def drop_head(self, head_id: UserId) -> int:
        """The teams this person headed are left without a head; how many."""
        ...

    async def delete(self, department_id: DepartmentId) -> None: ...
    async def member_count(self, department_id: DepartmentId) -> int:
        """Active members of the team."""
        ...

    async def move_member(self, user_id: UserId, department_id: DepartmentId | None) -> None: ...
    async def led_members(self, head_id: UserId) -> dict[DepartmentId, frozenset[UserId]]:
        """The teams this person heads, each with its members (active or not)."""
        ...


class ExportRepo(Protocol):
    """Rows for a spreadsheet, streamed; a None bound leaves that side of the period open,
    a None person means the whole team."""

    def deals(
        self, start: datetime | None, end: datetime | None, owner_id: UserId | None
    ) -> AsyncIterator[DealExportRow]: ...
    def tasks(
        self, start: datetime | None, end: datetime | None, assignee_id: UserId | None
    ) -> AsyncIterator[TaskExportRow]: ...
    def plans(
        self, first: date | None, end: date | None, seller_id: UserId | None
    ) -> AsyncIterator[PlanExportRow]: ...
    def answers(
        self, start: datetime | None, end: datetime | None, seller_id: UserId | None
    ) -> AsyncIterator[AnswerExportRow]: ...


class AnalyticsRepo(Protocol):
    """Aggregates for reports; the number of statements never grows with the deals."""

    async def closings(
        self, start: datetime, end: datetime, cut: Cut = ...
    ) -> list[ClosedDeal]: ...
    async def cohort(self, start: datetime, end: datetime, cut: Cut = ...) -> Cohort: ...
    async def open_pipeline(self, cut: Cut = ...) -> OpenPipeline: ...
    async def funnel(
        self, pipeline_id: PipelineId, start: datetime, end: datetime, cut: Cut = ...
    ) -> list[FunnelCount]: ...
    async def stage_stays(
        self, pipeline_id: PipelineId, start: datetime, end: datetime, cut: Cut = ...
    ) -> list[StageStay]: ...
    async def lost_reasons(
        self, start: datetime, end: datetime, cut: Cut = ..., limit: int = ...
    ) -> list[ReasonTotal]: ...
    async def client_months(
        self, bounds: Sequence[datetime], cut: Cut = ...
    ) -> list[ClientMonth]: ...
    async def last_purchases(self, cut: Cut = ...) -> list[LastPurchase]: ...
    async def client_names(self, ids: Sequence[ClientId]) -> dict[ClientId, str]: ...
    async def cut_values(self, field: str, limit: int = ...) -> list[str]: ...


class DigestRepo(Protocol):
    async def rows(self, window: DigestWindow, plans: dict[UserId, int]) -> DigestRows:
        """Every figure of the morning digest, in a fixed number of aggregate queries."""
        ...

    async def funnel(self, start: datetime, end: datetime) -> list[tuple[PipelineId, int, int]]:
        """(pipeline, furthest stage position, deals) for deals created in [start, end);
        position -1 is won."""
        ...


class DeliveryRepo(Protocol):
    """The outbox read for admins (the sender alone writes it)."""

    async def counts(self, day_start: datetime, since: datetime) -> DeliveryCounts: ...
    async def backlog(self, now: datetime) -> Backlog: ...
    async def failures(
        self, since: datetime, offset: int, limit: int
    ) -> tuple[list[FailedNotice], int]: ...


class UpdateClaim(Enum):
    MINE = "mine"  # the claimant handles the update now
    DONE = "done"  # handled before: acknowledge it, do not handle it again
    BUSY = "busy"  # another claimant handles it now (its lease is live)


class WebhookUpdateRepo(Protocol):
    """Updates posted to the webhook, claimed with a lease so that the workers behind one URL
    handle each update_id once, and one whose worker died is handled when Telegram retries."""

    async def claim(
        self, update_id: int, claimant: str, now: datetime, lease_until: datetime
    ) -> UpdateClaim: ...
    async def renew(self, update_id: int, claimant: str, lease_until: datetime) -> bool:
        """Extend the claimant's lease; False if the claim is no longer theirs."""
        ...

    async def done(self, update_id: int, claimant: str, now: datetime) -> bool: ...
    async def release(self, update_id: int, claimant: str, now: datetime, give_up_at: int) -> int:
        """Give the update back unhandled (its handling failed), or on its `give_up_at`-th failed
        try mark it done unhandled; how many tries failed so far."""
        ...

    async def purge(self, before: datetime) -> int:
        """Forget updates first seen before `before`; how many."""
        ...


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
    def pipeline_admin(self) -> PipelineAdminRepo: ...
    @property
    def clients(self) -> ClientRepo: ...
    @property
    def deals(self) -> DealRepo: ...
    @property
    def events(self) -> EventRepo: ...
    @property
    def outbox(self) -> OutboxRepo: ...
    @property
    def tasks(self) -> TaskRepo: ...
    @property
    def job_runs(self) -> JobRunRepo: ...
    @property
    def surveys(self) -> SurveyRepo: ...
    @property
    def audit(self) -> AuditRepo: ...
    @property
    def plans(self) -> PlanRepo: ...
    @property
    def departments(self) -> DepartmentRepo: ...
    @property
    def export(self) -> ExportRepo: ...
    @property
    def analytics(self) -> AnalyticsRepo: ...
    @property
    def digest(self) -> DigestRepo: ...
    @property
    def delivery(self) -> DeliveryRepo: ...
    @property
    def webhook_updates(self) -> WebhookUpdateRepo: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class Notifier(Protocol):
    """Renders the notices that services queue in their own transaction, in each reader's
    language; the Telegram layer implements it (texts and keyboards live there)."""

    @property
    def tz(self) -> ZoneInfo: ...
    @property
    def quiet(self) -> QuietHours: ...
    def handoff_offered(self, deal: Deal, stage: Stage, to: User, by: User) -> Notice: ...
    def nps_answer(self, survey: Survey, client: Client, reader: User) -> Notice:
        """A detractor's alert (seller and heads) or a promoter's referral prompt (seller)."""
        ...

    def nps_comment(self, survey: Survey, client: Client, reader: User) -> Notice: ...
    def survey_question(self, opened: OpenedSurvey, language: str | None) -> Notice: ...
    def handoff_decided(
        self, deal: Deal, reader: User, new_owner: User, accepted: bool
    ) -> Notice: ...


class DatabaseBusyError(Exception):
    """The database's write lock stayed taken past its busy timeout (SQLite under load).

    Raised by a unit of work as it closes; it kept nothing, so the whole unit of work may
    simply run again (`bot.services.writes.write` does, and so does the update middleware)."""


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork:
        """A fresh unit of work. `write=True` for a short transaction that writes (jobs, the
        sender): on SQLite it takes the write lock with its first statement, so it never
        fails half-way; keep Telegram and anything slow out of it."""
        ...
