"""The digest's aggregate queries: local days cut at the team's midnight, the funnel by the
furthest stage reached, and the same number of queries whatever the number of deals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.deals import DealChange, DealEvent, EventKind
from bot.domain.digest import Won, digest_window
from bot.domain.ids import StageId, TelegramId, UserId
from bot.domain.models import Deal, DealStatus, Role
from bot.domain.templates import CURRENT_CLIENTS, NEW_CLIENTS
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # Tuesday 09:00 in Moscow


async def _seed(uow: SqlUnitOfWork, deals: int) -> UserId:
    """One seller; `deals` deals won on 9 Nov 23:30 and 10 Nov 00:30 Moscow, alternately."""
    seller = await uow.users.add(TelegramId(2), "Sergey", None, Role.SELLER, "ru", NOW)
    await uow.pipelines.add_from_template(NEW_CLIENTS, "ru", 0)
    [pipeline] = await uow.pipelines.list_active()
    first, second, third = pipeline.stages[:3]
    for i in range(deals):
        deal = await uow.deals.add(
            title=f"Deal {i}",
            client_id=None,
            amount=100 * (i + 1),
            pipeline_id=pipeline.id,
            stage_id=first.id,
            owner_id=seller.id,
            channel=None,
            product=None,
            is_new_client=i % 2 == 0,
            now=datetime(2026, 11, 2, 9, tzinfo=UTC),
        )
        # 9 Nov 20:30 UTC is 23:30 in Moscow; 21:30 UTC is already the 10th there.
        closed = datetime(2026, 11, 9, 20, 30, tzinfo=UTC) + timedelta(hours=i % 2)
        await uow.events.add(
            DealEvent(deal.id, EventKind.STAGE, seller.id, closed, first.id, third.id)
        )
        change = DealChange.of(deal, stage_id=third.id, status=DealStatus.WON, closed_at=closed)
        assert await uow.deals.apply(change)
    assert second  # skipped: still reached on the way to the third
    return seller.id


async def test_days_are_the_teams_and_the_funnel_counts_the_furthest_stage(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        seller = await _seed(uow, 4)
        await uow.commit()
    window = digest_window(NOW, MSK)
    async with uow_factory() as uow:
        rows = await uow.digest.rows(window, {seller: 1_000})
        funnel = await uow.digest.funnel(window.month_start, NOW)
    assert sorted(rows.daily) == [(date(2026, 11, 9), 100 + 300), (date(2026, 11, 10), 200 + 400)]
    [facts] = rows.sellers
    assert facts.month_won == Won(4, 1_000)
    assert (rows.won_new, rows.won_current) == (Won(2, 400), Won(2, 600))
    assert [(pos, count) for _, pos, count in funnel] == [(-1, 4)]  # all won


async def test_the_number_of_queries_does_not_grow_with_the_deals(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    counts = []
    sent: list[Any] = []

    def seen(*args: Any) -> None:
        sent.append(args[2])

    for deals in (1, 12):
        async with uow_factory() as uow:
            if deals == 1:
                await _seed(uow, deals)
            else:
                seller = (await uow.users.list_staff())[0]
                await _more(uow, seller.id, deals)
            await uow.commit()
        sent.clear()
        window = digest_window(NOW, MSK)
        event.listen(engine.sync_engine, "before_cursor_execute", seen)
        try:
            async with uow_factory() as uow:
                rows = await uow.digest.rows(window, {})
                await uow.digest.funnel(window.month_start, NOW)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", seen)
        counts.append(len(sent))
        assert sum(f.month_won.count for f in rows.sellers) == (1 if deals == 1 else 12)
    assert counts[0] == counts[1]


async def _more(uow: SqlUnitOfWork, seller: UserId, total: int) -> None:
    [pipeline] = await uow.pipelines.list_active()
    for i in range(total - 1):
        deal = await uow.deals.add(
            title=f"More {i}",
            client_id=None,
            amount=10,
            pipeline_id=pipeline.id,
            stage_id=pipeline.stages[0].id,
            owner_id=seller,
            channel=None,
            product=None,
            is_new_client=True,
            now=datetime(2026, 11, 3, 9, tzinfo=UTC),
        )
        closed = datetime(2026, 11, 12, 9, tzinfo=UTC)
        assert await uow.deals.apply(DealChange.of(deal, status=DealStatus.WON, closed_at=closed))


async def test_the_funnel_counts_only_stages_of_the_deals_own_pipeline(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    """The furthest position a deal entered, in its history or its current stage, among the
    stages of its own pipeline; a won deal beyond every stage; a deal of last month not at all."""
    created = datetime(2026, 11, 3, 9, tzinfo=UTC)
    async with uow_factory() as uow:
        seller = await uow.users.add(TelegramId(2), "Sergey", None, Role.SELLER, "ru", NOW)
        sales = await uow.pipelines.add_from_template(NEW_CLIENTS, "ru", 0)
        await uow.pipelines.add_from_template(CURRENT_CLIENTS, "ru", 1)
        [mine, other] = await uow.pipelines.list_active()
        assert mine.id == sales
        first, second, third = mine.stages[:3]

        async def deal(stage: StageId, when: datetime = created) -> Deal:
            return await uow.deals.add(
                title="Deal",
                client_id=None,
                amount=100,
                pipeline_id=sales,
                stage_id=stage,
                owner_id=seller.id,
                channel=None,
                product=None,
                is_new_client=True,
                now=when,
            )

        back = await deal(first.id)  # to the third stage and back to the second
        moved = datetime(2026, 11, 5, 9, tzinfo=UTC)
        for to in (third.id, second.id):
            await uow.events.add(DealEvent(back.id, EventKind.STAGE, seller.id, moved, None, to))
        assert await uow.deals.apply(DealChange.of(back, stage_id=second.id))
        # A move into a stage of another pipeline far down its list does not count here.
        strayed = await deal(first.id)
        far = other.stages[-1].id
        await uow.events.add(DealEvent(strayed.id, EventKind.STAGE, seller.id, moved, None, far))
        won = await deal(second.id)
        change = DealChange.of(won, status=DealStatus.WON, closed_at=moved)
        assert await uow.deals.apply(change)
        await deal(third.id, datetime(2026, 10, 20, 9, tzinfo=UTC))  # last month's
        await uow.commit()
    window = digest_window(NOW, MSK)
    async with uow_factory() as uow:
        funnel = await uow.digest.funnel(window.month_start, NOW)
    positions = {s.id: s.position for s in mine.stages}
    assert sorted(funnel) == sorted(
        [(sales, positions[third.id], 1), (sales, positions[first.id], 1), (sales, -1, 1)]
    )
