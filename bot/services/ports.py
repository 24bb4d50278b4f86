"""What every room shares: the unit of work that composes all the rooms' repositories, its
factory, the notifier, and the repositories no one room owns (people, clients, settings, the
audit log, job runs, webhook updates).

Each service depends on its room's narrow store (`DealStore` in `deals_ports.py`, `TaskStore`,
`PipelineStore`, …) naming only the calls it makes; `UnitOfWork` has them all, so handlers
and jobs hand it to any service. `storage/` implements it without importing this module."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self
from zoneinfo import ZoneInfo

from bot.domain.audit import AuditEntry
from bot.domain.ids import (
    ClientId,
    PipelineId,
    TelegramId,
    UserId,
)
from bot.domain.models import (
    Client,
    Deal,
    Role,
    Stage,
    User,
)
from bot.domain.notices import Notice, QuietHours
from bot.domain.surveys import OpenedSurvey, Survey
from bot.domain.updates import UpdateClaim

if TYPE_CHECKING:  # the rooms' own repositories; they import this module for the shared ones
    from bot.services.calendar import CalendarRepo
    from bot.services.contacts_ports import ContactRepo
    from bot.services.deals_ports import DealRepo, EventRepo
    from bot.services.delivery import DeliveryRepo
    from bot.services.departments import DepartmentRepo
    from bot.services.digest import DigestRepo
    from bot.services.escalations import EscalationRepo
    from bot.services.export import ExportRepo
    from bot.services.outbox_ports import OutboxRepo
    from bot.services.pipelines_ports import PipelineRepo
    from bot.services.plans import PlanRepo
    from bot.services.reports_ports import AnalyticsRepo
    from bot.services.standup_ports import StandupGroupRepo
    from bot.services.surveys_ports import SurveyRepo
    from bot.services.tasks_ports import TaskRepo
    from bot.services.team import InviteRepo


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


class SettingRepo(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def put(self, key: str, value: str) -> None: ...
    async def delete(self, key: str) -> None: ...
    async def with_prefix(self, prefix: str) -> dict[str, str]: ...
    async def lock(self, name: str) -> None:
        """Hold a named lock to the end of the transaction (other processes wait for it)."""
        ...


class ClientRepo(Protocol):
    async def get(self, client_id: ClientId) -> Client | None: ...
    async def find(self, text: str, limit: int) -> list[Client]: ...
    async def add(self, company: str, created_by: UserId, now: datetime) -> Client: ...
    async def link_chat(self, client_id: ClientId, tg_id: TelegramId) -> None: ...
    async def opt_out(self, client_id: ClientId) -> None: ...
    async def by_chat(self, tg_id: TelegramId) -> Client | None: ...


class JobRunRepo(Protocol):
    async def claim(self, name: str, period: str, now: datetime) -> bool:
        """True for the first claim of (name, period) anywhere; False ever after."""
        ...


class AuditRepo(Protocol):
    async def add(self, entry: AuditEntry) -> None: ...
    async def page(self, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
        """Newest first, and how many there are in all."""
        ...


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
    def clients(self) -> ClientRepo: ...
    @property
    def contacts(self) -> ContactRepo: ...
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
    @property
    def calendar(self) -> CalendarRepo: ...
    @property
    def escalations(self) -> EscalationRepo: ...
    @property
    def standup_groups(self) -> StandupGroupRepo: ...

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


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork:
        """A fresh unit of work. `write=True` for a short transaction that writes (jobs, the
        sender): on SQLite it takes the write lock with its first statement, so it never
        fails half-way; keep Telegram and anything slow out of it."""
        ...
