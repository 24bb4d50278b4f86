"""Surveys: rows in, domain dataclasses out. They never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.ids import ClientId, DealId, PipelineId, UserId
from bot.domain.surveys import FollowUp, Survey, SurveyAnswerRow, SurveyKind, SurveyStatus
from storage.models import ClientRow, DealRow, SurveyRow


def _survey(row: SurveyRow) -> Survey:
    return Survey(
        id=row.id,
        token=row.token,
        client_id=ClientId(row.client_id),
        seller_id=UserId(row.seller_id),
        kind=SurveyKind(row.kind),
        status=SurveyStatus(row.status),
        created_at=row.created_at,
        expires_at=row.expires_at,
        deal_id=DealId(row.deal_id) if row.deal_id else None,
        pipeline_id=PipelineId(row.pipeline_id) if row.pipeline_id else None,
        score=row.score,
        comment=row.comment,
        answered_at=row.answered_at,
        recovery_task_id=row.recovery_task_id,
        chat_id=row.chat_id,
    )


class SqlSurveyRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

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
    ) -> Survey:
        row = SurveyRow(
            token=token,
            client_id=client_id,
            seller_id=seller_id,
            deal_id=deal_id,
            pipeline_id=pipeline_id,
            kind=kind.value,
            status=SurveyStatus.PENDING.value,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
        self._s.add(row)
        await self._s.flush()
        return _survey(row)

    async def get(self, survey_id: int) -> Survey | None:
        row = await self._s.get(SurveyRow, survey_id)
        return _survey(row) if row else None

    async def by_token(self, token: str) -> Survey | None:
        row = await self._s.scalar(select(SurveyRow).where(SurveyRow.token == token))
        return _survey(row) if row else None

    async def _update(self, survey_id: int, *where: object, **values: object) -> bool:
        result = await self._s.execute(
            update(SurveyRow)
            .where(SurveyRow.id == survey_id, *where)  # type: ignore[arg-type]
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def answer(self, survey_id: int, score: int, now: datetime) -> bool:
        pending = SurveyRow.status == SurveyStatus.PENDING.value
        return await self._update(
            survey_id, pending, status=SurveyStatus.ANSWERED.value, score=score, answered_at=now
        )

    async def comment(self, survey_id: int, text: str) -> bool:
        return await self._update(survey_id, SurveyRow.comment.is_(None), comment=text)

    async def opt_out(self, survey_id: int) -> bool:
        pending = SurveyRow.status == SurveyStatus.PENDING.value
        return await self._update(survey_id, pending, status=SurveyStatus.OPTED_OUT.value)

    async def open_for_chat(self, chat_id: int, now: datetime) -> Survey | None:
        row = await self._s.scalar(
            select(SurveyRow)
            .where(
                SurveyRow.chat_id == chat_id,
                SurveyRow.status == SurveyStatus.PENDING.value,
                SurveyRow.expires_at > now,
            )
            .order_by(SurveyRow.id.desc())
            .limit(1)
        )
        return _survey(row) if row else None

    async def pending_link(self, deal_id: DealId, now: datetime) -> Survey | None:
        row = await self._s.scalar(
            select(SurveyRow)
            .where(
                SurveyRow.deal_id == deal_id,
                SurveyRow.kind == SurveyKind.LINK.value,
                SurveyRow.status == SurveyStatus.PENDING.value,
                SurveyRow.chat_id.is_(None),
                SurveyRow.expires_at > now,
            )
            .order_by(SurveyRow.id.desc())
            .limit(1)
        )
        return _survey(row) if row else None

    async def bind_chat(self, survey_id: int, chat_id: int) -> bool:
        """Tie the survey to the chat answering it; False when another chat already has it."""
        free = or_(SurveyRow.chat_id.is_(None), SurveyRow.chat_id == chat_id)
        return await self._update(survey_id, free, chat_id=chat_id)

    async def set_recovery_task(self, survey_id: int, task_id: int) -> bool:
        free = SurveyRow.recovery_task_id.is_(None)
        return await self._update(survey_id, free, recovery_task_id=task_id)

    async def last_for_client(self, client_id: ClientId) -> datetime | None:
        return await self._s.scalar(
            select(func.max(SurveyRow.created_at)).where(SurveyRow.client_id == client_id)
        )

    async def answers(
        self, start: datetime, end: datetime, seller_id: UserId | None
    ) -> list[SurveyAnswerRow]:
        stmt = select(
            SurveyRow.score,
            SurveyRow.answered_at,
            SurveyRow.seller_id,
            SurveyRow.pipeline_id,
            SurveyRow.comment,
        ).where(
            SurveyRow.status == SurveyStatus.ANSWERED.value,
            SurveyRow.answered_at >= start,
            SurveyRow.answered_at < end,
        )
        if seller_id is not None:
            stmt = stmt.where(SurveyRow.seller_id == seller_id)
        rows = await self._s.execute(stmt.order_by(SurveyRow.answered_at))
        return [
            SurveyAnswerRow(score, at, UserId(seller), PipelineId(p) if p else None, comment)
            for score, at, seller, p, comment in rows
            if score is not None and at is not None  # always set on an answered survey
        ]

    async def sent_count(
        self, start: datetime, end: datetime, seller_id: UserId | None
    ) -> tuple[int, int]:
        answered = func.count(SurveyRow.answered_at)
        stmt = select(func.count(), answered).where(
            SurveyRow.created_at >= start, SurveyRow.created_at < end
        )
        if seller_id is not None:
            stmt = stmt.where(SurveyRow.seller_id == seller_id)
        sent, done = (await self._s.execute(stmt)).one()
        return int(sent), int(done)

    async def due_after_won(
        self, won_from: datetime, won_to: datetime, limit: int
    ) -> list[FollowUp]:
        """Won deals of reachable clients that have not had a survey about them."""
        surveyed = exists().where(SurveyRow.deal_id == DealRow.id)
        stmt = (
            select(DealRow.id, DealRow.client_id, DealRow.owner_id, DealRow.pipeline_id)
            .join(ClientRow, ClientRow.id == DealRow.client_id)
            .where(
                DealRow.status == "won",
                DealRow.closed_at >= won_from,
                DealRow.closed_at < won_to,
                ClientRow.tg_id.is_not(None),
                ClientRow.do_not_survey.is_(False),
                ~surveyed,
            )
            .order_by(DealRow.closed_at)
            .limit(limit)
        )
        return [_follow_up(*r) for r in await self._s.execute(stmt)]

    async def due_relationship(self, asked_before: datetime, limit: int) -> list[FollowUp]:
        """Current clients (a won deal) reachable in Telegram and not asked since the cut-off."""
        recent = exists().where(
            SurveyRow.client_id == ClientRow.id, SurveyRow.created_at >= asked_before
        )
        won = aliased(DealRow)
        latest = (
            select(func.max(won.id))
            .where(and_(won.client_id == ClientRow.id, won.status == "won"))
            .correlate(ClientRow)
            .scalar_subquery()
        )
        stmt = (
            select(DealRow.id, DealRow.client_id, DealRow.owner_id, DealRow.pipeline_id)
            .join(ClientRow, ClientRow.id == DealRow.client_id)
            .where(
                DealRow.id == latest,
                DealRow.closed_at < asked_before,
                ClientRow.tg_id.is_not(None),
                ClientRow.do_not_survey.is_(False),
                ~recent,
            )
            .limit(limit)
        )
        return [_follow_up(*r) for r in await self._s.execute(stmt)]


def _follow_up(deal_id: int, client_id: int | None, owner_id: int, pipeline_id: int) -> FollowUp:
    assert client_id is not None  # the query joins the client
    return FollowUp(DealId(deal_id), ClientId(client_id), UserId(owner_id), PipelineId(pipeline_id))
