"""Aggregate queries for reports: a fixed number of statements per report, whatever the
number of deals. Rows come back grouped (GROUP BY in SQL) or, where a median needs them,
one per deal or per stage visit of the period's deals. It never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.analytics import (
    EVERY_DEAL,
    ClientMonth,
    Cohort,
    Cut,
    FunnelCount,
    OpenPipeline,
    ReasonTotal,
)
from bot.domain.comparison import SellerTotals
from bot.domain.deals import EventKind
from bot.domain.ids import ClientId, DealId, PipelineId, StageId, UserId
from bot.domain.ltv import ClientHistory
from bot.domain.metrics import ClosedDeal, OpenDeal
from bot.domain.models import DealStatus
from bot.domain.stage_metrics import StageStay, stage_at
from storage.models import (
    ClientRow,
    DealEventRow,
    DealRow,
    LostReasonRow,
    StageRow,
    UtcDateTime,
)
from storage.scope import managed_by

_AMOUNT = func.coalesce(DealRow.amount, 0)
# Events that put a deal into a stage (to_stage_id) or end its stay there.
_STAY_EVENTS = (
    EventKind.CREATED,
    EventKind.STAGE,
    EventKind.REOPENED,
    EventKind.WON,
    EventKind.LOST,
)
CUT_FIELDS = {"product": DealRow.product, "region": DealRow.region}


def _cut(cut: Cut) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if cut.owner_id is not None:
        where.append(DealRow.owner_id == cut.owner_id)
    if cut.managed_by is not None:
        where.append(managed_by(DealRow.owner_id, cut.managed_by))
    if cut.pipeline_id is not None:
        where.append(DealRow.pipeline_id == cut.pipeline_id)
    if cut.channel is not None:
        where.append(DealRow.channel == cut.channel)
    if cut.product is not None:
        where.append(DealRow.product == cut.product)
    if cut.region is not None:
        where.append(DealRow.region == cut.region)
    if cut.is_new_client is not None:
        where.append(DealRow.is_new_client.is_(cut.is_new_client))
    return where


def _created(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [DealRow.created_at >= start, DealRow.created_at < end]


def _closed(
    status: Sequence[DealStatus], start: datetime, end: datetime
) -> list[ColumnElement[bool]]:
    return [
        DealRow.status.in_([s.value for s in status]),
        DealRow.closed_at >= start,
        DealRow.closed_at < end,
    ]


class SqlAnalyticsRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def closings(
        self, start: datetime, end: datetime, cut: Cut = EVERY_DEAL
    ) -> list[ClosedDeal]:
        """Deals won or lost in [start, end), as they stand now (a reopened one is open)."""
        rows = await self._s.execute(
            select(
                DealRow.id,
                _AMOUNT,
                DealRow.created_at,
                DealRow.closed_at,
                DealRow.status,
                DealRow.stage_id,
            ).where(*_closed((DealStatus.WON, DealStatus.LOST), start, end), *_cut(cut))
        )
        return [
            ClosedDeal(
                DealId(deal_id),
                amount,
                created_at,
                closed_at,
                status == DealStatus.WON,
                None if status == DealStatus.WON else StageId(stage_id),
            )
            for deal_id, amount, created_at, closed_at, status, stage_id in rows
            if closed_at is not None
        ]

    async def cohort(self, start: datetime, end: datetime, cut: Cut = EVERY_DEAL) -> Cohort:
        """Deals created in [start, end), and how many of them are won now."""
        won = func.sum(case((DealRow.status == DealStatus.WON.value, 1), else_=0))
        created, won_count = (
            await self._s.execute(
                select(func.count(DealRow.id), won).where(*_created(start, end), *_cut(cut))
            )
        ).one()
        return Cohort(int(created), int(won_count or 0))

    async def open_pipeline(self, cut: Cut = EVERY_DEAL) -> OpenPipeline:
        """Open deals now, their amounts summed per stage probability."""
        rows = (
            await self._s.execute(
                select(StageRow.probability, func.count(DealRow.id), func.sum(_AMOUNT))
                .join(StageRow, StageRow.id == DealRow.stage_id)
                .where(DealRow.status == DealStatus.OPEN.value, *_cut(cut))
                .group_by(StageRow.probability)
                .order_by(StageRow.probability)
            )
        ).all()
        return OpenPipeline(
            sum(int(count) for _, count, _ in rows),
            tuple(OpenDeal(int(amount), min(max(p, 0), 100)) for p, _, amount in rows),
        )

    async def funnel(
        self, pipeline_id: PipelineId, start: datetime, end: datetime, cut: Cut = EVERY_DEAL
    ) -> list[FunnelCount]:
        """The pipeline's deals created in [start, end), counted by the furthest stage each
        ever entered (by stage position: history moves and the current stage) and by won."""
        cohort = [DealRow.pipeline_id == pipeline_id, *_created(start, end), *_cut(cut)]
        entered = union_all(
            select(DealEventRow.deal_id.label("deal_id"), DealEventRow.to_stage_id.label("stage"))
            .join(DealRow, DealRow.id == DealEventRow.deal_id)
            .where(DealEventRow.to_stage_id.is_not(None), *cohort),
            select(DealRow.id.label("deal_id"), DealRow.stage_id.label("stage")).where(*cohort),
        ).subquery()
        furthest = (
            select(entered.c.deal_id, func.max(StageRow.position).label("position"))
            .join(StageRow, StageRow.id == entered.c.stage)
            .where(StageRow.pipeline_id == pipeline_id)
            .group_by(entered.c.deal_id)
            .subquery()
        )
        rows = await self._s.execute(
            select(furthest.c.position, DealRow.status, func.count())
            .select_from(furthest)
            .join(DealRow, DealRow.id == furthest.c.deal_id)
            .group_by(furthest.c.position, DealRow.status)
        )
        current = (
            await self._s.execute(
                select(StageRow.position, StageRow.id)
                .where(StageRow.pipeline_id == pipeline_id, StageRow.is_archived.is_(False))
                .order_by(StageRow.position)
            )
        ).all()
        stages = [(int(at), StageId(stage_id)) for at, stage_id in current]
        counts: dict[tuple[StageId, bool], int] = {}
        for position, status, n in rows:  # at most three statuses a position
            stage = stage_at(int(position), stages)
            if stage is None:
                continue
            key = (stage, status == DealStatus.WON)
            counts[key] = counts.get(key, 0) + int(n)
        return [FunnelCount(stage, won, n) for (stage, won), n in sorted(counts.items())]

    async def stage_stays(
        self, pipeline_id: PipelineId, start: datetime, end: datetime, cut: Cut = EVERY_DEAL
    ) -> list[StageStay]:
        """Each visit of the pipeline's deals created in [start, end) to a stage: from the
        event that put the deal there to the next move or closing (None: still there)."""
        left_at = func.lead(DealEventRow.at, type_=UtcDateTime()).over(
            partition_by=DealEventRow.deal_id, order_by=(DealEventRow.at, DealEventRow.id)
        )
        visits = (
            select(
                DealEventRow.deal_id,
                DealEventRow.to_stage_id,
                DealEventRow.at,
                left_at.label("left_at"),
            )
            .join(DealRow, DealRow.id == DealEventRow.deal_id)
            .where(
                DealRow.pipeline_id == pipeline_id,
                *_created(start, end),
                *_cut(cut),
                DealEventRow.kind.in_([k.value for k in _STAY_EVENTS]),
            )
            .subquery()
        )
        rows = await self._s.execute(
            select(visits.c.deal_id, visits.c.to_stage_id, visits.c.at, visits.c.left_at).where(
                visits.c.to_stage_id.is_not(None)
            )
        )
        return [
            StageStay(DealId(deal_id), StageId(stage_id), at, left)
            for deal_id, stage_id, at, left in rows
        ]

    async def lost_reasons(
        self, start: datetime, end: datetime, cut: Cut = EVERY_DEAL, limit: int | None = 10
    ) -> list[ReasonTotal]:
        """Deals lost in [start, end) per reason, most deals first (then most money);
        every reason when `limit` is None."""
        reason = func.coalesce(LostReasonRow.name, DealRow.lost_reason_text).label("reason")
        grouped = (
            select(reason, DealRow.id.label("deal_id"), _AMOUNT.label("amount"))
            .outerjoin(LostReasonRow, LostReasonRow.id == DealRow.lost_reason_id)
            .where(*_closed((DealStatus.LOST,), start, end), *_cut(cut))
            .subquery()
        )
        deals, amount = func.count(grouped.c.deal_id), func.sum(grouped.c.amount)
        rows = await self._s.execute(
            select(grouped.c.reason, deals, amount)
            .group_by(grouped.c.reason)
            .order_by(deals.desc(), amount.desc(), grouped.c.reason)
            .limit(limit)
        )
        return [ReasonTotal(r, int(n), int(a or 0)) for r, n, a in rows]

    async def seller_totals(
        self, start: datetime, end: datetime, cut: Cut = EVERY_DEAL
    ) -> list[SellerTotals]:
        """Per deal owner: deals won and their amount, deals lost, in [start, end)."""
        won = DealRow.status == DealStatus.WON.value
        rows = await self._s.execute(
            select(
                DealRow.owner_id,
                func.sum(case((won, 1), else_=0)),
                func.sum(case((won, _AMOUNT), else_=0)),
                func.sum(case((won, 0), else_=1)),
            )
            .where(
                *_closed((DealStatus.WON, DealStatus.LOST), start, end),
                DealRow.owner_id.is_not(None),
                *_cut(cut),
            )
            .group_by(DealRow.owner_id)
        )
        return [
            SellerTotals(UserId(owner), int(n or 0), int(amount or 0), int(lost or 0))
            for owner, n, amount, lost in rows
        ]

    async def client_months(
        self, bounds: Sequence[datetime], cut: Cut = EVERY_DEAL
    ) -> list[ClientMonth]:
        """Won revenue and purchases per client per month; `bounds` are the months' starts
        and the period's end, so month i is [bounds[i], bounds[i + 1])."""
        if len(bounds) < 2:
            return []
        month = case(
            *((DealRow.closed_at < b, i) for i, b in enumerate(bounds[1:])), else_=len(bounds)
        )
        won = (
            select(DealRow.client_id, month.label("month"), _AMOUNT.label("amount"))
            .where(
                *_closed((DealStatus.WON,), bounds[0], bounds[-1]),
                DealRow.client_id.is_not(None),
                *_cut(cut),
            )
            .subquery()
        )
        rows = await self._s.execute(
            select(won.c.client_id, won.c.month, func.sum(won.c.amount), func.count())
            .group_by(won.c.client_id, won.c.month)
            .order_by(won.c.client_id, won.c.month)
        )
        return [ClientMonth(ClientId(c), int(m), int(r or 0), int(n)) for c, m, r, n in rows]

    async def client_histories(self, until: datetime, cut: Cut = EVERY_DEAL) -> list[ClientHistory]:
        """Each client's won deals closed before `until`, whatever the report's window: the
        first and the last closing, their revenue and number."""
        rows = await self._s.execute(
            select(
                DealRow.client_id,
                func.min(DealRow.closed_at),
                func.max(DealRow.closed_at),
                func.sum(_AMOUNT),
                func.count(),
            )
            .where(
                DealRow.status == DealStatus.WON.value,
                DealRow.client_id.is_not(None),
                DealRow.closed_at < until,
                *_cut(cut),
            )
            .group_by(DealRow.client_id)
            .order_by(DealRow.client_id)
        )
        return [
            ClientHistory(ClientId(c), first, last, int(revenue or 0), int(n))
            for c, first, last, revenue, n in rows
            if c is not None and first is not None and last is not None
        ]

    async def client_names(self, ids: Sequence[ClientId]) -> dict[ClientId, str]:
        if not ids:
            return {}
        rows = await self._s.execute(
            select(ClientRow.id, ClientRow.company).where(ClientRow.id.in_(list(set(ids))))
        )
        return {ClientId(i): name for i, name in rows}

    async def cut_values(self, field: str, limit: int = 30) -> list[str]:
        """The distinct products or regions deals have, alphabetically (for cut buttons)."""
        column = CUT_FIELDS[field]
        rows = await self._s.scalars(
            select(column).where(column.is_not(None)).distinct().order_by(column).limit(limit)
        )
        return [value for value in rows if value is not None]
