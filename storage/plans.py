"""Monthly plans: rows in, `Plan`s out. It never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import UserId
from bot.domain.plans import Plan
from storage.models import PlanRow


class SqlPlanRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def for_month(self, month: date) -> list[Plan]:
        rows = await self._s.scalars(
            select(PlanRow).where(PlanRow.month == month).order_by(PlanRow.seller_id)
        )
        return [_plan(r) for r in rows]

    async def between(self, start: date, end: date) -> list[Plan]:
        rows = await self._s.scalars(
            select(PlanRow)
            .where(PlanRow.month >= start, PlanRow.month < end)
            .order_by(PlanRow.month, PlanRow.seller_id)
        )
        return [_plan(r) for r in rows]

    async def save(self, plans: Sequence[Plan], by: UserId | None, now: datetime) -> None:
        """Insert or replace each seller's plan for its month."""
        if not plans:
            return
        months = {p.month for p in plans}
        existing = {
            (r.month, r.seller_id): r
            for r in await self._s.scalars(select(PlanRow).where(PlanRow.month.in_(months)))
        }
        for plan in plans:
            row = existing.get((plan.month, plan.seller_id))
            if row is None:
                row = PlanRow(seller_id=plan.seller_id, month=plan.month)
                self._s.add(row)
                existing[(plan.month, plan.seller_id)] = row
            row.revenue = plan.revenue
            row.won_deals = plan.won_deals
            row.meetings = plan.meetings
            row.proposals = plan.proposals
            row.updated_by = by
            row.updated_at = now
        await self._s.flush()


def _plan(row: PlanRow) -> Plan:
    return Plan(
        UserId(row.seller_id),
        row.month,
        row.revenue,
        row.won_deals,
        row.meetings,
        row.proposals,
    )
