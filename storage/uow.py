"""The unit of work: one session, one transaction, repositories over it.

`factory(write=True)` opens a writer's unit of work (on SQLite its transactions take the write
lock up front, see `storage.db`); a unit of work that could not get the lock in time raises
`DatabaseBusyError`, having kept nothing, so its caller may run it again."""

from __future__ import annotations

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
from storage.settings import SqlSettingRepo
from storage.standup import SqlStandupGroupRepo
from storage.surveys import SqlSurveyRepo
from storage.tasks import SqlJobRunRepo, SqlTaskRepo
from storage.users import SqlInviteRepo, SqlUserRepo
from storage.webhook import SqlWebhookUpdateRepo


class SqlUnitOfWork:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], bind: AsyncEngine | None = None
    ) -> None:
        self._sessions, self._bind = sessions, bind

    async def __aenter__(self) -> Self:
        self._session = self._sessions() if self._bind is None else self._sessions(bind=self._bind)
        s = self._session
        self.users = SqlUserRepo(s)
        self.invites = SqlInviteRepo(s)
        self.settings = SqlSettingRepo(s)
        self.pipelines = SqlPipelineRepo(s)
        self.clients = SqlClientRepo(s)
        self.contacts = SqlContactRepo(s)
        self.deals = SqlDealRepo(s)
        self.events = SqlEventRepo(s)
        self.outbox = SqlOutboxRepo(s)
        self.tasks = SqlTaskRepo(s)
        self.job_runs = SqlJobRunRepo(s)
        self.surveys = SqlSurveyRepo(s)
        self.audit = SqlAuditRepo(s)
        self.plans = SqlPlanRepo(s)
        self.departments = SqlDepartmentRepo(s)
        self.export = SqlExportRepo(s)
        self.analytics = SqlAnalyticsRepo(s)
        self.digest = SqlDigestRepo(s)
        self.delivery = SqlDeliveryRepo(s)
        self.webhook_updates = SqlWebhookUpdateRepo(s)
        self.calendar = SqlCalendarRepo(s)
        self.escalations = SqlEscalationRepo(s)
        self.standup_groups = SqlStandupGroupRepo(s)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self._session.rollback()
        finally:
            await self._session.close()
        if exc is not None and is_busy(exc):
            raise DatabaseBusyError() from exc

    async def commit(self) -> None:
        await self._session.commit()

    async def rollback(self) -> None:
        await self._session.rollback()


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work per use; shared by handlers, jobs and tests.

    `write=True`: a writer's unit of work, for short transactions that write (jobs, the
    sender), best run through `bot.services.writes.write`, which retries it while busy."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        bind = sessions.kw.get("bind")
        self._writer: AsyncEngine | None = None
        if isinstance(bind, AsyncEngine) and bind.dialect.name == "sqlite":
            self._writer = writer_engine(bind)

    def __call__(self, *, write: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, self._writer if write else None)
