"""The report queries against a small November counted by hand, on SQLite and PostgreSQL.

Stages S1..S4 (positions 0..3, probabilities 10/30/60/90). Deals, amounts in roubles:
  D1 Anna  C1 100k  2 Nov S1 → 4 S2 → 7 S3 → won 10 Nov
  D2 Boris C2  50k  3 Nov S1 → 5 S3 (skips S2) → lost 8 Nov "Дорого"
  D3 Anna  C1 200k  4 Nov S1 → 6 S2 → lost 9 → reopened 12 at S2 → 14 S4 → won 20 Nov
  D4 Anna  C3  80k  5 Nov S1 → 6 S3 → 8 S2 (moved back), open; email, current client
  D5 Anna  C2  30k  created 20 Oct at S1, won 2 Nov
  D6 Boris C4   —  10 Nov S1, open, no amount
  D7 Anna  C3  20k  1 Nov S1 → lost 15 Nov, typed reason "Нет бюджета"
  D8 Boris C4  70k  6 Nov S1 → 7 S2 → lost 16 Nov "Дорого"
  D9 Anna  C1  50k  created 1 Oct, won 15 Oct
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.domain.analytics import ClientMonth, Cohort, Cut, FunnelCount, ReasonTotal
from bot.domain.company import CompanySettings
from bot.domain.comparison import SellerTotals
from bot.domain.ids import ClientId, DealId, PipelineId, StageId, TelegramId, UserId
from bot.domain.ltv import ClientHistory
from bot.domain.metrics import OpenDeal, average_check, cycle_length, win_rate
from bot.domain.models import Role, User
from bot.domain.stage_metrics import FunnelDeal, stage_conversions, stage_durations
from storage.models import (
    ClientRow,
    DealEventRow,
    DealRow,
    LostReasonRow,
    PipelineRow,
    StageRow,
    UserRow,
)
from storage.uow import SqlUnitOfWorkFactory

ANNA, BORIS = 1, 2
S1, S2, S3, S4 = 11, 12, 13, 14
NOV, DEC = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
OCT = datetime(2026, 10, 1, tzinfo=UTC)
RUB = 100


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 9, 0, tzinfo=UTC)


# deal id: (owner, client, amount, created, status, stage now, closed, moves, extra)
DEALS = {
    1: (ANNA, 1, 100_000, at(11, 2), "won", S3, at(11, 10)),
    2: (BORIS, 2, 50_000, at(11, 3), "lost", S3, at(11, 8)),
    3: (ANNA, 1, 200_000, at(11, 4), "won", S4, at(11, 20)),
    4: (ANNA, 3, 80_000, at(11, 5), "open", S2, None),
    5: (ANNA, 2, 30_000, at(10, 20), "won", S1, at(11, 2)),
    6: (BORIS, 4, None, at(11, 10), "open", S1, None),
    7: (ANNA, 3, 20_000, at(11, 1), "lost", S1, at(11, 15)),
    8: (BORIS, 4, 70_000, at(11, 6), "lost", S2, at(11, 16)),
    9: (ANNA, 1, 50_000, at(10, 1), "won", S4, at(10, 15)),
}
# (deal, kind, at, to_stage) after each deal's "created" event at S1
HISTORY = [
    (1, "stage", at(11, 4), S2),
    (1, "stage", at(11, 7), S3),
    (1, "won", at(11, 10), None),
    (2, "stage", at(11, 5), S3),
    (2, "lost", at(11, 8), None),
    (3, "stage", at(11, 6), S2),
    (3, "note", at(11, 7), None),
    (3, "lost", at(11, 9), None),
    (3, "reopened", at(11, 12), S2),
    (3, "stage", at(11, 14), S4),
    (3, "won", at(11, 20), None),
    (4, "stage", at(11, 6), S3),
    (4, "stage", at(11, 8), S2),
    (5, "won", at(11, 2), None),
    (7, "lost", at(11, 15), None),
    (8, "stage", at(11, 7), S2),
    (8, "lost", at(11, 16), None),
    (9, "stage", at(10, 5), S4),
    (9, "won", at(10, 15), None),
]


async def seed(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as s:
        s.add_all(
            UserRow(id=i, tg_id=100 + i, name=n, role=r, language="ru", created_at=OCT)
            for i, n, r in ((ANNA, "Anna", "seller"), (BORIS, "Boris", "seller"))
        )
        s.add(PipelineRow(id=1, name="Новые", kind="new", position=0))
        await s.flush()
        s.add_all(
            StageRow(
                id=sid, pipeline_id=1, name=f"S{i + 1}", position=i, probability=p, stall_days=5
            )
            for i, (sid, p) in enumerate(((S1, 10), (S2, 30), (S3, 60), (S4, 90)))
        )
        s.add(LostReasonRow(id=1, pipeline_id=1, name="Дорого", position=0))
        s.add_all(
            ClientRow(id=i, company=f"C{i}", company_search=f"c{i}", created_at=OCT)
            for i in range(1, 5)
        )
        await s.flush()
        for deal_id, (owner, client, amount, created, status, stage, closed) in DEALS.items():
            s.add(
                DealRow(
                    id=deal_id,
                    title=f"D{deal_id}",
                    title_search=f"d{deal_id}",
                    client_id=client,
                    amount=None if amount is None else amount * RUB,
                    pipeline_id=1,
                    stage_id=stage,
                    owner_id=owner,
                    status=status,
                    channel="email" if deal_id == 4 else "calls",
                    is_new_client=deal_id != 4,
                    created_at=created,
                    stage_entered_at=created,
                    closed_at=closed,
                    lost_reason_id=1 if deal_id in (2, 8) else None,
                    lost_reason_text="Нет бюджета" if deal_id == 7 else None,
                    version=1,
                )
            )
        await s.flush()
        s.add_all(
            DealEventRow(deal_id=d, kind="created", at=DEALS[d][3], to_stage_id=S1) for d in DEALS
        )
        s.add_all(
            DealEventRow(deal_id=d, kind=k, at=when, to_stage_id=to) for d, k, when, to in HISTORY
        )
        await s.commit()


class Counter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.n = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, *_: object) -> None:
        self.n += 1


async def test_closings_cohort_open_and_lost_reasons_of_november(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    await seed(engine)
    async with uow_factory() as uow:
        closings = await uow.analytics.closings(NOV, DEC)
        assert sorted((c.deal_id, c.won, c.amount) for c in closings) == [
            (1, True, 100_000 * RUB),
            (2, False, 50_000 * RUB),
            (3, True, 200_000 * RUB),
            (5, True, 30_000 * RUB),
            (7, False, 20_000 * RUB),
            (8, False, 70_000 * RUB),
        ]
        assert {c.deal_id: c.lost_stage_id for c in closings if not c.won} == {2: S3, 7: S1, 8: S2}
        assert win_rate(closings) == 0.5
        assert average_check(closings) == 110_000 * RUB  # (100 + 200 + 30) / 3
        cycle = cycle_length(closings)  # 8, 16 and 13 days
        assert cycle is not None and cycle.median_days == 13 and cycle.count == 3
        assert await uow.analytics.cohort(NOV, DEC) == Cohort(created=7, won=2)  # D1, D3
        assert await uow.analytics.cohort(NOV, DEC, Cut(owner_id=UserId(BORIS))) == Cohort(3, 0)
        boris = await uow.analytics.closings(NOV, DEC, Cut(owner_id=UserId(BORIS)))
        assert sorted(c.deal_id for c in boris) == [2, 8]
        opened = await uow.analytics.open_pipeline()
        assert opened.deals == 2
        assert opened.by_probability == (OpenDeal(0, 10), OpenDeal(80_000 * RUB, 30))
        current = await uow.analytics.open_pipeline(Cut(is_new_client=False))
        assert current.deals == 1
        email = await uow.analytics.open_pipeline(Cut(channel="email", owner_id=UserId(BORIS)))
        assert email.deals == 0 and email.by_probability == ()
        # D3 was lost and reopened, then won: it is no loss.
        assert await uow.analytics.lost_reasons(NOV, DEC) == [
            ReasonTotal("Дорого", 2, 120_000 * RUB),
            ReasonTotal("Нет бюджета", 1, 20_000 * RUB),
        ]
        assert await uow.analytics.lost_reasons(OCT, NOV) == []
        assert await uow.analytics.lost_reasons(NOV, DEC, limit=1) == [
            ReasonTotal("Дорого", 2, 120_000 * RUB),
        ]
        assert len(await uow.analytics.lost_reasons(NOV, DEC, limit=None)) == 2


async def test_each_sellers_closings_in_one_query(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    await seed(engine)
    async with uow_factory() as uow:
        totals = await uow.analytics.seller_totals(NOV, DEC)
        # Anna won D1, D3, D5 and lost D7; Boris lost D2 and D8.
        assert sorted(totals, key=lambda t: t.seller_id) == [
            SellerTotals(UserId(ANNA), 3, 330_000 * RUB, 1),
            SellerTotals(UserId(BORIS), 0, 0, 2),
        ]
        assert await uow.analytics.seller_totals(OCT, NOV) == [
            SellerTotals(UserId(ANNA), 1, 50_000 * RUB, 0)
        ]
        new = await uow.analytics.seller_totals(NOV, DEC, Cut(owner_id=UserId(BORIS)))
        assert new == [SellerTotals(UserId(BORIS), 0, 0, 2)]


async def test_the_funnel_counts_the_furthest_stage_each_deal_reached(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    await seed(engine)
    async with uow_factory() as uow:
        counts = await uow.analytics.funnel(1, NOV, DEC)  # type: ignore[arg-type]
    # D2 skipped S2, D4 went back to S2 but reached S3, D3 was reopened and won at S4.
    assert counts == [
        FunnelCount(StageId(S1), False, 2),  # D6 open, D7 lost
        FunnelCount(StageId(S2), False, 1),  # D8
        FunnelCount(StageId(S3), False, 2),  # D2 lost, D4 open
        FunnelCount(StageId(S3), True, 1),  # D1
        FunnelCount(StageId(S4), True, 1),  # D3
    ]
    deals = [FunnelDeal(frozenset({c.stage_id}), c.won) for c in counts for _ in range(c.deals)]
    conversions = stage_conversions([StageId(s) for s in (S1, S2, S3, S4)], deals)
    assert [(c.reached, c.passed) for c in conversions] == [(7, 5), (5, 4), (4, 2), (2, 2)]


async def test_stage_stays_run_from_each_entry_to_the_next_move_or_closing(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    await seed(engine)
    async with uow_factory() as uow:
        stays = await uow.analytics.stage_stays(1, NOV, DEC)  # type: ignore[arg-type]
    got = {
        (s.deal_id, s.stage_id, s.entered_at.day, s.left_at.day if s.left_at else None)
        for s in stays
    }
    assert got == {
        (1, S1, 2, 4), (1, S2, 4, 7), (1, S3, 7, 10),
        (2, S1, 3, 5), (2, S3, 5, 8),
        (3, S1, 4, 6), (3, S2, 6, 9), (3, S2, 12, 14), (3, S4, 14, 20),
        (4, S1, 5, 6), (4, S3, 6, 8), (4, S2, 8, None),
        (6, S1, 10, None),
        (7, S1, 1, 15),
        (8, S1, 6, 7), (8, S2, 7, 16),
    }  # fmt: skip
    # In S2: D1 3 days, D3 3 + 2 = 5 (two visits), D4 15 until 23 Nov 9:00, D8 9 → median 7.
    s2 = stage_durations(stays, at(11, 23))[StageId(S2)]
    assert (s2.count, s2.median_days) == (4, 7)


async def test_client_months_and_histories_group_won_deals_by_client(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    await seed(engine)
    counter = Counter(engine)
    async with uow_factory() as uow:
        months = await uow.analytics.client_months([OCT, NOV, DEC])
        histories = await uow.analytics.client_histories(DEC)
        names = await uow.analytics.client_names([ClientId(1), ClientId(2)])
        products = await uow.analytics.cut_values("product")
    assert counter.n == 4
    assert months == [
        ClientMonth(ClientId(1), 0, 50_000 * RUB, 1),
        ClientMonth(ClientId(1), 1, 300_000 * RUB, 2),
        ClientMonth(ClientId(2), 1, 30_000 * RUB, 1),
    ]
    # A client's whole history, whatever the months asked for above: C1 since 15 October.
    assert histories == [
        ClientHistory(ClientId(1), at(10, 15), at(11, 20), 350_000 * RUB, 3),
        ClientHistory(ClientId(2), at(11, 2), at(11, 2), 30_000 * RUB, 1),
    ]
    assert names == {1: "C1", 2: "C2"}
    assert products == []
    async with uow_factory() as uow:
        # Up to (not including) the moment asked for, and within a cut.
        assert await uow.analytics.client_histories(at(11, 20)) == [
            ClientHistory(ClientId(1), at(10, 15), at(11, 10), 150_000 * RUB, 2),
            ClientHistory(ClientId(2), at(11, 2), at(11, 2), 30_000 * RUB, 1),
        ]
        assert await uow.analytics.client_histories(DEC, Cut(owner_id=UserId(BORIS))) == []
    assert DealId(1) == 1


async def more_deals(engine: AsyncEngine, n: int) -> None:
    """`n` more won deals, each with a history, all in November."""
    async with AsyncSession(engine) as s:
        for i in range(n):
            deal_id = 100 + i
            s.add(
                DealRow(
                    id=deal_id,
                    title="X",
                    title_search="x",
                    client_id=1 + i % 4,
                    amount=1_000 * RUB,
                    pipeline_id=1,
                    stage_id=S2,
                    owner_id=ANNA,
                    status="won",
                    created_at=at(11, 2),
                    stage_entered_at=at(11, 3),
                    closed_at=at(11, 4),
                    version=1,
                )
            )
        await s.flush()
        for i in range(n):
            s.add(DealEventRow(deal_id=100 + i, kind="created", at=at(11, 2), to_stage_id=S1))
            s.add(DealEventRow(deal_id=100 + i, kind="stage", at=at(11, 3), to_stage_id=S2))
            s.add(DealEventRow(deal_id=100 + i, kind="won", at=at(11, 4)))
        await s.commit()


async def test_a_report_takes_the_same_number_of_queries_for_more_deals(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    from bot.services.abc import abc_report
    from bot.services.reports import Window, funnel_report, sales_report

    head = User(UserId(ANNA), TelegramId(101), "Anna", Role.HEAD, "ru")
    window = Window(NOV.date(), DEC.date(), NOV, DEC)
    now = at(11, 23)
    await seed(engine)
    counter = Counter(engine)

    async def queries() -> tuple[int, int, int]:
        counts = []
        for build in (
            lambda uow: sales_report(uow, head, window),
            lambda uow: funnel_report(uow, head, PipelineId(1), window, now),
            lambda uow: abc_report(uow, head, 6, now, CompanySettings(timezone="UTC")),
        ):
            async with uow_factory() as uow:
                before = counter.n
                await build(uow)
                counts.append(counter.n - before)
        return counts[0], counts[1], counts[2]

    await queries()  # the first fills the process's cache of pipelines and members
    few = await queries()
    await more_deals(engine, 60)
    async with uow_factory() as uow:
        report = await sales_report(uow, head, window)
    assert report.total.won == 3 + 60
    assert await queries() == few
    # /report: + the period before (2), and a head's seller lines: their teams, the staff,
    # each period's per-seller totals, the plans, the names (6); /funnel: + the current
    # stages, to place deleted ones; /abc for a head: + the whole company's client histories,
    # for the client lifetime in LTV. The pipeline (with its stages and reasons: 3 queries)
    # comes from the process's cache of the team's rules once the first run filled it.
    assert few == (16, 6, 4)
