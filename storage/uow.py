"""The unit of work: one session, one transaction, repositories over it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.analytics import SqlAnalyticsRepo
from storage.audit import SqlAuditRepo
from storage.departments import SqlDepartmentRepo
from storage.digest import SqlDigestRepo
from storage.export import SqlExportRepo
from storage.outbox import SqlOutboxRepo
from storage.pipelines import SqlPipelineAdminRepo
from storage.plans import SqlPlanRepo
from storage.repositories import (
    SqlClientRepo,
    SqlDealRepo,
    SqlEventRepo,
    SqlInviteRepo,
    SqlPipelineRepo,
    SqlSettingRepo,
    SqlUserRepo,
)
from storage.surveys import SqlSurveyRepo
from storage.tasks import SqlJobRunRepo, SqlTaskRepo


class SqlUnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        s = self._session
        self.users = SqlUserRepo(s)
        self.invites = SqlInviteRepo(s)
        self.settings = SqlSettingRepo(s)
        self.pipelines = SqlPipelineRepo(s)
        self.pipeline_admin = SqlPipelineAdminRepo(s)
        self.clients = SqlClientRepo(s)
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

    async def commit(self) -> None:
        await self._session.commit()

    async def rollback(self) -> None:
        await self._session.rollback()


class SqlUnitOfWorkFactory:
    """Makes a fresh unit of work per use; shared by handlers, jobs and tests."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions)
