"""Rows for `/export`, names joined in by one query per table and streamed from the cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.export import AnswerExportRow, DealExportRow, PlanExportRow, TaskExportRow
from bot.domain.ids import UserId
from bot.domain.surveys import SurveyStatus
from storage.models import (
    ClientRow,
    DealRow,
    LostReasonRow,
    PipelineRow,
    PlanRow,
    StageRow,
    SurveyRow,
    TaskRow,
    UserRow,
)

# Rows are fetched from the cursor in batches: a big export never sits in memory as ORM rows.
BATCH = 1000

Ts = TypeVarTuple("Ts")


class SqlExportRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def _stream(self, stmt: Select[*Ts]) -> AsyncIterator[Any]:
        result = await self._s.stream(stmt.execution_options(yield_per=BATCH))
        async for row in result:
            yield row

    async def deals(
        self, start: datetime | None, end: datetime | None, owner_id: UserId | None
    ) -> AsyncIterator[DealExportRow]:
        """Deals alive in the period: created before its end, and open or closed after its start."""
        owner = aliased(UserRow)
        reason = func.coalesce(LostReasonRow.name, DealRow.lost_reason_text)
        stmt = (
            select(
                DealRow.id,
                DealRow.title,
                ClientRow.company,
                PipelineRow.name,
                StageRow.name,
                DealRow.status,
                DealRow.amount,
                DealRow.currency,
                owner.name,
                DealRow.channel,
                DealRow.product,
                DealRow.is_new_client,
                DealRow.created_at,
                DealRow.expected_close_at,
                DealRow.closed_at,
                reason,
            )
            .join(PipelineRow, PipelineRow.id == DealRow.pipeline_id)
            .join(StageRow, StageRow.id == DealRow.stage_id)
            .join(owner, owner.id == DealRow.owner_id)
            .outerjoin(ClientRow, ClientRow.id == DealRow.client_id)
            .outerjoin(LostReasonRow, LostReasonRow.id == DealRow.lost_reason_id)
            .order_by(DealRow.created_at, DealRow.id)
        )
        if end is not None:
            stmt = stmt.where(DealRow.created_at < end)
        if start is not None:
            stmt = stmt.where(or_(DealRow.closed_at.is_(None), DealRow.closed_at >= start))
        if owner_id is not None:
            stmt = stmt.where(DealRow.owner_id == owner_id)
        async for row in self._stream(stmt):
            yield DealExportRow(*row)

    async def tasks(
        self, start: datetime | None, end: datetime | None, assignee_id: UserId | None
    ) -> AsyncIterator[TaskExportRow]:
        """Tasks due in the period or created in it."""
        assignee = aliased(UserRow)
        stmt = (
            select(
                TaskRow.id,
                TaskRow.deal_id,
                DealRow.title,
                TaskRow.text,
                assignee.name,
                TaskRow.status,
                TaskRow.due_at,
                TaskRow.created_at,
                TaskRow.done_at,
            )
            .join(assignee, assignee.id == TaskRow.assignee_id)
            .outerjoin(DealRow, DealRow.id == TaskRow.deal_id)
            .where(
                or_(
                    _within(TaskRow.due_at, start, end),
                    _within(TaskRow.created_at, start, end),
                )
            )
            .order_by(TaskRow.due_at, TaskRow.id)
        )
        if assignee_id is not None:
            stmt = stmt.where(TaskRow.assignee_id == assignee_id)
        async for row in self._stream(stmt):
            yield TaskExportRow(*row)

    async def plans(
        self, first: date | None, end: date | None, seller_id: UserId | None
    ) -> AsyncIterator[PlanExportRow]:
        """Plans of the months in [first, end)."""
        stmt = (
            select(
                PlanRow.month,
                UserRow.name,
                PlanRow.revenue,
                PlanRow.won_deals,
                PlanRow.meetings,
                PlanRow.proposals,
            )
            .join(UserRow, UserRow.id == PlanRow.seller_id)
            .order_by(PlanRow.month, UserRow.name, PlanRow.id)
        )
        if first is not None:
            stmt = stmt.where(PlanRow.month >= first)
        if end is not None:
            stmt = stmt.where(PlanRow.month < end)
        if seller_id is not None:
            stmt = stmt.where(PlanRow.seller_id == seller_id)
        async for row in self._stream(stmt):
            yield PlanExportRow(*row)

    async def answers(
        self, start: datetime | None, end: datetime | None, seller_id: UserId | None
    ) -> AsyncIterator[AnswerExportRow]:
        """Survey answers given in the period."""
        seller = aliased(UserRow)
        stmt = (
            select(
                SurveyRow.answered_at,
                SurveyRow.score,
                ClientRow.company,
                seller.name,
                PipelineRow.name,
                DealRow.title,
                SurveyRow.comment,
            )
            .join(ClientRow, ClientRow.id == SurveyRow.client_id)
            .join(seller, seller.id == SurveyRow.seller_id)
            .outerjoin(PipelineRow, PipelineRow.id == SurveyRow.pipeline_id)
            .outerjoin(DealRow, DealRow.id == SurveyRow.deal_id)
            .where(
                SurveyRow.status == SurveyStatus.ANSWERED.value,
                SurveyRow.score.is_not(None),
                _within(SurveyRow.answered_at, start, end),
            )
            .order_by(SurveyRow.answered_at, SurveyRow.id)
        )
        if seller_id is not None:
            stmt = stmt.where(SurveyRow.seller_id == seller_id)
        async for row in self._stream(stmt):
            yield AnswerExportRow(*row)


def _within(column: Any, start: datetime | None, end: datetime | None) -> ColumnElement[bool]:
    """`start <= column < end`, a missing bound left open (but the column must be set)."""
    conditions = [column.is_not(None)]
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return and_(*conditions)
