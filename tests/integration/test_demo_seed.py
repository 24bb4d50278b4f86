"""The sandbox's demo company: every report has something to show, and a seed repeats it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.team import prepare_installation
from sandbox.demo import PERSONAS, seed_demo
from storage.db import make_engine, make_sessions, migrate
from storage.models import DealEventRow, DealRow, PlanRow, SurveyRow, TaskRow, UserRow
from storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


async def fresh(uows: SqlUnitOfWorkFactory) -> None:
    async with uows() as uow:
        await prepare_installation(uow, [PERSONAS[0].id], "ru")


async def scalar(engine: AsyncEngine, stmt: Any) -> Any:
    async with engine.connect() as conn:
        return await conn.scalar(stmt)


async def test_the_demo_company_has_deals_history_tasks_answers_and_plans(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    await fresh(uow_factory)
    assert await seed_demo(uow_factory, NOW)
    async with engine.connect() as conn:
        statuses = dict(
            (
                await conn.execute(select(DealRow.status, func.count()).group_by(DealRow.status))
            ).all()
        )
    assert sum(statuses.values()) == 300 and min(statuses.values()) > 50
    assert await scalar(engine, select(func.count()).select_from(DealEventRow)) > 600
    overdue = select(func.count()).select_from(TaskRow).where(TaskRow.due_at < NOW)
    assert await scalar(engine, overdue) > 10
    without_task = (
        select(func.count()).select_from(DealRow)
        .where(DealRow.status == "open", ~DealRow.id.in_(select(TaskRow.deal_id).where(TaskRow.deal_id.is_not(None))))
    )  # fmt: skip
    assert await scalar(engine, without_task) > 0
    assert await scalar(engine, select(func.count()).where(SurveyRow.score.is_not(None))) > 30
    # No client answered in the future, nor before being asked.
    future = select(func.count()).where(SurveyRow.answered_at > NOW)
    assert await scalar(engine, future) == 0
    early = select(func.count()).where(SurveyRow.answered_at < SurveyRow.created_at)
    assert await scalar(engine, early) == 0
    sellers = select(UserRow.id).where(UserRow.role == "seller")
    this_month = select(func.count()).where(
        PlanRow.month == NOW.date().replace(day=1), PlanRow.seller_id.in_(sellers)
    )
    assert await scalar(engine, this_month) == 3
    first = await scalar(engine, select(func.min(DealRow.created_at)))
    assert (NOW - first.replace(tzinfo=UTC)).days <= 90

    assert not await seed_demo(uow_factory, NOW)  # a second start seeds nothing more
    assert await scalar(engine, select(func.count()).select_from(DealRow)) == 300


async def test_the_same_seed_gives_the_same_company(tmp_path: Path) -> None:
    fingerprints = []
    for name in ("a", "b"):
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / name}.db")
        await migrate(engine)
        uows = SqlUnitOfWorkFactory(make_sessions(engine))
        await fresh(uows)
        await seed_demo(uows, NOW, seed=3, deals=30)
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(DealRow.title, DealRow.amount, DealRow.status).order_by(DealRow.id)
            )
            fingerprints.append(list(rows.all()))
        await engine.dispose()
    assert fingerprints[0] == fingerprints[1] and len(fingerprints[0]) == 30
