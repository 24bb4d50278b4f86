"""What the surveys room (`surveys.py`, `nps.py`) needs of storage: surveys, the clients and
people they ask, and of the other rooms only the few calls it makes."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.ids import (
    ClientId,
    DealId,
    PipelineId,
    TaskId,
    UserId,
)
from bot.domain.models import Deal, Pipeline
from bot.domain.surveys import FollowUp, Survey, SurveyAnswerRow, SurveyKind
from bot.domain.tasks import Task
from bot.services.notify import QueueStore
from bot.services.ports import ClientRepo, UserRepo
from bot.services.scope import ScopeStore


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


class SurveyDeals(Protocol):
    async def get(self, deal_id: DealId) -> Deal | None: ...


class SurveyTasks(Protocol):
    """A detractor's answer becomes a recovery task for the seller."""

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


class SurveyPipelines(Protocol):
    async def list_active(self) -> list[Pipeline]: ...


class SurveyStore(ScopeStore, QueueStore, Protocol):
    """The surveys room's unit of work: one transaction, committed by the service."""

    @property
    def surveys(self) -> SurveyRepo: ...
    @property
    def clients(self) -> ClientRepo: ...
    @property
    def users(self) -> UserRepo: ...
    @property
    def deals(self) -> SurveyDeals: ...
    @property
    def tasks(self) -> SurveyTasks: ...
    @property
    def pipelines(self) -> SurveyPipelines: ...

    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...
