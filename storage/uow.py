"""The unit of work: one session, one transaction, repositories over it.

`factory(write=True)` opens a writer's unit of work (on SQLite its transactions take the write
lock up front, see `storage.db`); a unit of work that could not get the lock in time raises
`DatabaseBusyError`, having kept nothing, so its caller may run it again."""

from __future__ import annotations

from functools import cached_property
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.domain.errors import DatabaseBusyError
from storage.analytics import SqlAnalyticsRepo
from storage.audit import SqlAuditRepo
from storage.calendar import SqlCalendarRepo
from storage.clients import SqlClientRepo
from storage.contacts import SqlContactRepo
from storage.db import is_busy, writer_engine
from storage.deals import SqlDealRepo, SqlEventRepo
from storage.delivery import SqlDeliveryRepo
from storage.departments import SqlDepartmentRepo
from storage.digest import SqlDigestRepo
from storage.escalations import SqlEscalationRepo
from storage.export import SqlExportRepo
from storage.outbox import SqlOutboxRepo
from storage.pipelines import SqlPipelineRepo
from storage.plans import SqlPlanRepo
from storage.rules import Rules, RulesCache
from storage.settings import SqlSettingRepo
from storage.standup import SqlStandupGroupRepo
from storage.surveys import SqlSurveyRepo
from storage.tasks import SqlJobRunRepo, SqlTaskRepo
from storage.users import SqlInviteRepo, SqlUserRepo
from storage.webhook import SqlWebhookUpdateRepo


class SqlUnitOfWork:
    """Opens nothing until a repository is first used: an update that needs no database (not
    handled, or answered from the rules' cache) costs no session and no connection."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bind: AsyncEngine | None = None,
        cache: RulesCache | None = None,
    ) -> None:
        self._sessions, self._bind = sessions, bind
        self._cache = cache if cache is not None else RulesCache()
        self._session: AsyncSession | None = None
        self._rules: Rules | None = None

    @property
    def opened(self) -> bool:
        """Whether this unit of work has used the database."""
        return self._session is not None

    def _open(self) -> AsyncSession:
        if self._session is None:
            s = self._sessions() if self._bind is None else self._sessions(bind=self._bind)
            self._session = s
        return self._session

    def _open_rules(self) -> Rules:
        if self._rules is None:
            self._rules = Rules(self._cache, self._open())
        return self._rules

    async def __aenter__(self) -> Self:
        return self

    @cached_property
    def users(self) -> SqlUserRepo:
        return SqlUserRepo(self._open(), self._open_rules())

    @cached_property
    def invites(self) -> SqlInviteRepo:
        return SqlInviteRepo(self._open())

    @cached_property
    def settings(self) -> SqlSettingRepo:
        return SqlSettingRepo(self._open(), self._open_rules())

    @cached_property
    def pipelines(self) -> SqlPipelineRepo:
        return SqlPipelineRepo(self._open(), self._open_rules())

    @cached_property
    def clients(self) -> SqlClientRepo:
        return SqlClientRepo(self._open())

    @cached_property
    def contacts(self) -> SqlContactRepo:
        return SqlContactRepo(self._open())

    @cached_property
    def deals(self) -> SqlDealRepo:
        return SqlDealRepo(self._open())

    @cached_property
    def events(self) -> SqlEventRepo:
        return SqlEventRepo(self._open())

    @cached_property
    def outbox(self) -> SqlOutboxRepo:
        return SqlOutboxRepo(self._open())

    @cached_property
    def tasks(self) -> SqlTaskRepo:
        return SqlTaskRepo(self._open())

    @cached_property
    def job_runs(self) -> SqlJobRunRepo:
        return SqlJobRunRepo(self._open())

    @cached_property
    def surveys(self) -> SqlSurveyRepo:
        return SqlSurveyRepo(self._open())

    @cached_property
    def audit(self) -> SqlAuditRepo:
        return SqlAuditRepo(self._open())

    @cached_property
    def plans(self) -> SqlPlanRepo:
        return SqlPlanRepo(self._open())

    @cached_property
    def departments(self) -> SqlDepartmentRepo:
        return SqlDepartmentRepo(self._open(), self._open_rules())

    @cached_property
    def export(self) -> SqlExportRepo:
        return SqlExportRepo(self._open())

    @cached_property
    def analytics(self) -> SqlAnalyticsRepo:
        return SqlAnalyticsRepo(self._open())

    @cached_property
    def digest(self) -> SqlDigestRepo:
        return SqlDigestRepo(self._open())

    @cached_property
    def delivery(self) -> SqlDeliveryRepo:
        return SqlDeliveryRepo(self._open())

    @cached_property
    def webhook_updates(self) -> SqlWebhookUpdateRepo:
        return SqlWebhookUpdateRepo(self._open())

    @cached_property
    def calendar(self) -> SqlCalendarRepo:
        return SqlCalendarRepo(self._open())

    @cached_property
    def escalations(self) -> SqlEscalationRepo:
        return SqlEscalationRepo(self._open())

    @cached_property
    def standup_groups(self) -> SqlStandupGroupRepo:
        return SqlStandupGroupRepo(self._open())

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is None:
            return
        try:
            await self._session.rollback()
        finally:
            await self._session.close()
        if exc is not None and is_busy(exc):
            raise DatabaseBusyError() from exc

    async def commit(self) -> None:
        if self._session is None:
            return
        rules = self._rules
        version = await rules.before_commit() if rules is not None else None
        await self._session.commit()
        if rules is not None:
            rules.after_commit(version)

    async def rollback(self) -> None:
        if self._session is None:
            return
        await self._session.rollback()
        if self._rules is not None:
            self._rules.after_rollback()


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work per use; shared by handlers, jobs and tests.

    `write=True`: a writer's unit of work, for short transactions that write (jobs, the
    sender), best run through `bot.services.writes.write`, which retries it while busy."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], cache: RulesCache | None = None
    ) -> None:
        self._sessions = sessions
        # The process's cache of the team's rules (`storage.rules`): one per factory.
        self.rules = cache if cache is not None else RulesCache()
        bind = sessions.kw.get("bind")
        self._writer: AsyncEngine | None = None
        if isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite":
            self._writer = writer_engine(bind)

    def __call__(self, *, write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self._writer if write else None, self.rules)
