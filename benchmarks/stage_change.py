"""Stage changes per second through the whole bot, beside a naive one-insert aiogram handler.

A (full stack): a seller presses "move to the next stage" on a deal card. Each update goes
through the dispatcher, the context middleware (unit of work, identify), the staff filter, the
card router's callback filter, ``move_deal`` (access check, optimistic update, history row,
commit), the refreshed card and the replies (answer the press, edit the card, and whatever
else the handler sends).

B (naive): a fresh Dispatcher with one callback handler that opens an AsyncSession, adds one
ORM row to its own table in the same database, commits and answers the press.

Both run in the same process on the same database, with a bot session that answers at once (the
canned reply is still parsed as aiogram parses Telegram's), on updates built before the clock
starts. On SQLite the naive handler has an engine of its own on the same file, with the same
settings but SQLAlchemy's stock aiosqlite adapter, as a naive handler would (`--naive-engine
bot` gives it the bot's engine instead, with the bot's one-trip adapter,
storage/sqlite_driver.py); on PostgreSQL both share the bot's engine (asyncpg either way).
Rounds alternate A and B (ABBA order) so machine drift hits both.

How to read the ratio (A/B, of the medians): 1.0 means a real stage change costs no more than
the simplest handler that writes to the database at all; 0.5 means it costs twice as much. The
SQL statements per update show how much of the gap is database round trips.

    .venv/bin/python benchmarks/stage_change.py [--updates N] [--db sqlite|postgres] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any, Self, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiosqlite
from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Update
from sqlalchemy import BigInteger, DateTime, String, event, func, select
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from benchmarks.common import OfflineSession, postgres_engine, sqlite_engine
from bot.app import build_dispatcher, freeze_start_objects
from bot.domain.deals import EventKind
from bot.domain.ids import DealId, StageId, TelegramId
from bot.domain.models import NewDealInput, Role
from bot.services.clock import utc_now
from bot.services.deals import create_deal, pipelines_for
from bot.services.team import Person, accept_invite, create_invite, identify, prepare_installation
from handlers.deals.callbacks import CardAction, DealCb
from storage.db import make_engine, make_sessions, migrate
from storage.models import DealEventRow
from storage.uow import SqlUnitOfWorkFactory
from tests.mocked_bot import BOT_TOKEN, BOT_USER, make_callback

ADMIN_TG = 1000
SELLER_TG = 2000
DEALS = 50
POSTGRES_SCHEMA = "bench_stage_change"


# --------------------------------------------------------------------------- the bot's side


class CannedSession(OfflineSession):
    """Answers every request at once and keeps nothing (thousands of updates go through).

    The answer is JSON as Telegram would send it, parsed by ``check_response`` like a real
    session parses it, so the reply costs what it costs on the client side.
    """

    def __init__(self) -> None:
        super().__init__()
        self._message_ids = itertools.count(1_000_000)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109  (the base class signature)
    ) -> TelegramType:
        result: Any = True
        if isinstance(method, EditMessageText):
            result = _message(method, method.message_id or 0)
        elif isinstance(method, SendMessage):
            result = _message(method, next(self._message_ids))
        content = json.dumps({"ok": True, "result": result})
        return cast(TelegramType, self.check_response(bot, method, HTTPStatus.OK, content).result)


def _message(method: SendMessage | EditMessageText, message_id: int) -> dict[str, Any]:
    """The message Telegram sends back: the text, and the keyboard if it is an inline one."""
    now = int(time.time())
    markup = method.reply_markup
    return {
        "message_id": message_id,
        "date": now,
        "chat": {"id": method.chat_id, "type": "private"},
        "from": BOT_USER.model_dump(mode="json", exclude_none=True),
        "text": method.text,
        "reply_markup": markup.model_dump(mode="json", exclude_none=True)
        if isinstance(markup, InlineKeyboardMarkup)
        else None,
    }


def make_bot() -> Bot:
    return Bot(BOT_TOKEN, session=CannedSession(), default=DefaultBotProperties(parse_mode="HTML"))


def mounted(bot: Bot, updates: Sequence[Update]) -> list[Update]:
    """Updates bound to the bot throughout, as polling delivers them (no re-mount per feed)."""
    return [Update.model_validate(u.model_dump(), context={"bot": bot}) for u in updates]


# --------------------------------------------------------------------------- A: the full stack


@dataclass
class Desk:
    """The seller, their pipeline's stages in order, and the stage each deal stands at now."""

    seller_tg: int
    stages: list[StageId]
    where: dict[DealId, StageId] = field(default_factory=dict)

    def moves(self, bot: Bot, n: int) -> list[Update]:
        """Presses that move deal after deal one stage on; from the last stage back to the first."""
        deals, updates = list(self.where), []
        for i in range(n):
            deal_id = deals[i % len(deals)]
            position = self.stages.index(self.where[deal_id])
            target = self.stages[(position + 1) % len(self.stages)]
            self.where[deal_id] = target
            data = DealCb(action=CardAction.MOVE, deal_id=deal_id, arg=target).pack()
            updates.append(make_callback(self.seller_tg, data, message_id=deal_id))
        return mounted(bot, updates)


def person(tg_id: int, name: str) -> Person:
    return Person(tg_id=TelegramId(tg_id), name=name, username=None, language="ru")


async def seed(uow_factory: SqlUnitOfWorkFactory) -> Desk:
    """Pipelines, an admin (BOT_ADMINS), a seller who joined by invite, and the seller's deals."""
    now = utc_now()
    async with uow_factory() as uow:
        await prepare_installation(uow, [ADMIN_TG], "ru")
        admin = await identify(uow, person(ADMIN_TG, "Admin"), [ADMIN_TG], now)
        assert admin is not None
        invite = await create_invite(uow, admin, Role.SELLER, now)
        seller = await accept_invite(uow, person(SELLER_TG, "Seller"), invite.token, now)
        pipelines, preferred = await pipelines_for(uow, seller)
        pipeline = next(p for p in pipelines if p.id == preferred)
        desk = Desk(SELLER_TG, [s.id for s in sorted(pipeline.stages, key=lambda s: s.position)])
        for i in range(DEALS):
            deal_input = NewDealInput(pipeline_id=pipeline.id, client_name=f"Client {i}")
            view = await create_deal(uow, seller, deal_input, now)
            desk.where[view.deal.id] = view.deal.stage_id
    return desk


# --------------------------------------------------------------------------- B: the naive handler


class NaiveBase(DeclarativeBase):
    """Its own MetaData: the naive table is no part of the bot's schema or migrations."""


class NaiveEvent(NaiveBase):
    __tablename__ = "naive_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


async def naive_handler(query: CallbackQuery, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        row = NaiveEvent(user_id=query.from_user.id, data=query.data or "", at=datetime.now(UTC))
        session.add(row)
        await session.commit()
    await query.answer()


def naive_dispatcher(engine: AsyncEngine) -> Dispatcher:
    router = Router(name="naive")
    router.callback_query()(naive_handler)
    dp = Dispatcher(sessions=async_sessionmaker(engine))
    dp.include_router(router)
    return dp


def naive_presses(bot: Bot, seller_tg: int, n: int) -> list[Update]:
    """Presses shaped like A's (same callback data format), for the naive handler to store."""
    data = [DealCb(action=CardAction.MOVE, deal_id=i % DEALS + 1, arg=1).pack() for i in range(n)]
    return mounted(bot, [make_callback(seller_tg, d, message_id=1) for d in data])


# --------------------------------------------------------------------------- measuring


class StatementCounter:
    """Counts the SQL statements the engine sends while the block runs."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        self.count = 0

    def _seen(self, *_: Any) -> None:
        self.count += 1

    def __enter__(self) -> Self:
        event.listen(self._engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        event.remove(self._engine, "before_cursor_execute", self._seen)


async def throughput(dp: Dispatcher, bot: Bot, updates: Sequence[Update]) -> float:
    """Updates per second over the feeding loop only."""
    gc.collect()
    started = time.perf_counter()
    for update in updates:
        await dp.feed_update(bot, update)
    return len(updates) / (time.perf_counter() - started)


@dataclass
class Bench:
    engine: AsyncEngine
    bot: Bot
    full: Dispatcher
    naive: Dispatcher
    desk: Desk
    naive_engine: AsyncEngine
    fed_full: int = 0
    fed_naive: int = 0

    async def run_full(self, n: int) -> float:
        self.fed_full += n
        return await throughput(self.full, self.bot, self.desk.moves(self.bot, n))

    async def run_naive(self, n: int) -> float:
        self.fed_naive += n
        return await throughput(self.naive, self.bot, naive_presses(self.bot, SELLER_TG, n))


@dataclass
class Side:
    """One side of the comparison: its rate in each round and the SQL it sent."""

    rates: list[float] = field(default_factory=list)
    statements: int = 0
    updates: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.rates)

    @property
    def statements_per_update(self) -> float:
        return self.statements / self.updates


async def one_round(bench: Bench, n: int, index: int, full: Side, naive: Side) -> None:
    """A then B, or B then A on odd rounds (ABBA), counting the SQL statements of each."""
    sides = [(bench.run_full, full, bench.engine), (bench.run_naive, naive, bench.naive_engine)]
    for run, side, engine in reversed(sides) if index % 2 else sides:
        with StatementCounter(engine) as counter:
            side.rates.append(await run(n))
        side.statements += counter.count
        side.updates += n


# --------------------------------------------------------------------------- databases


# --------------------------------------------------------------------------- the run


async def prepare(engine: AsyncEngine, naive_engine: AsyncEngine) -> Bench:
    """A migrated database with the team and deals, and both dispatchers (not timed)."""
    await migrate(engine)
    async with engine.begin() as conn:
        await conn.run_sync(NaiveBase.metadata.create_all)
    uow_factory = SqlUnitOfWorkFactory(make_sessions(engine))
    desk = await seed(uow_factory)
    full = build_dispatcher(uow_factory, admins=[ADMIN_TG], language="ru")
    bench = Bench(engine, make_bot(), full, naive_dispatcher(naive_engine), desk, naive_engine)
    freeze_start_objects()  # as the bot does once started (both sides gain)
    return bench


async def count_rows(bench: Bench) -> tuple[int, int]:
    """Stage-change history rows, and naive rows, now in the database."""
    stage = select(func.count()).where(DealEventRow.kind == EventKind.STAGE.value)
    naive = select(func.count()).select_from(NaiveEvent)
    async with bench.naive_engine.connect() as conn:
        return int(await conn.scalar(stage) or 0), int(await conn.scalar(naive) or 0)


def report(args: argparse.Namespace, full: Side, naive: Side) -> None:
    print(
        f"updates per round: {args.updates}   rounds: {args.rounds}   db: {args.db}   "
        f"naive engine: {args.naive_engine if args.db == 'sqlite' else 'bot'}   "
        f"load average: {os.getloadavg()[0]:.2f}"
    )
    for i, (a, b) in enumerate(zip(full.rates, naive.rates, strict=True), 1):
        print(f"  round {i}: full {a:8.0f}/s   naive {b:8.0f}/s   ratio {a / b:.2f}")
    print(f"full stack (median):  {full.median:8.0f} updates/s  ({1000 / full.median:.2f} ms each)")
    print(
        f"naive (median):       {naive.median:8.0f} updates/s  ({1000 / naive.median:.2f} ms each)"
    )
    print(f"ratio full/naive:     {full.median / naive.median:8.2f}")
    print(
        f"SQL statements per update: full {full.statements_per_update:.1f}, "
        f"naive {naive.statements_per_update:.1f}"
    )


async def verify(bench: Bench) -> bool:
    stage_rows, naive_rows = await count_rows(bench)
    print(f"stage history rows: {stage_rows} for {bench.fed_full} stage changes fed")
    print(f"naive rows:         {naive_rows} for {bench.fed_naive} naive updates fed")
    return stage_rows == bench.fed_full and naive_rows == bench.fed_naive


async def main(args: argparse.Namespace) -> int:
    opened = sqlite_engine() if args.db == "sqlite" else postgres_engine(args.schema)
    async with opened as engine, naive_side(engine, args.naive_engine) as naive_engine:
        bench = await prepare(engine, naive_engine)
        try:
            await bench.run_full(args.warmup)  # untimed: caches, lazy imports, the first pages
            await bench.run_naive(args.warmup)
            full, naive = Side(), Side()
            for index in range(args.rounds):
                await one_round(bench, args.updates, index, full, naive)
            report(args, full, naive)
            return 0 if await verify(bench) else 1
        finally:
            await bench.bot.session.close()


@asynccontextmanager
async def naive_side(engine: AsyncEngine, which: str) -> AsyncIterator[AsyncEngine]:
    """The naive handler's engine: on SQLite the same file and settings with SQLAlchemy's stock
    aiosqlite adapter, unless asked for the bot's own."""
    if engine.dialect.name != "sqlite" or which == "bot":
        yield engine
        return
    stock = AsyncAdapt_aiosqlite_dbapi(aiosqlite, sqlite3)
    naive = make_engine(engine.url.render_as_string(hide_password=False), module=stock)
    try:
        yield naive
    finally:
        await naive.dispose()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--schema", default=POSTGRES_SCHEMA, help="PostgreSQL schema (dropped)")
    parser.add_argument("--updates", type=int, default=2000, help="updates per round (2000)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of A and B (3)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed updates first (200)")
    parser.add_argument(
        "--naive-engine", choices=("stock", "bot"), default="stock",
        help="SQLite: the naive handler on SQLAlchemy's stock aiosqlite adapter, or the bot's",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.updates < 1 or args.rounds < 1 or args.warmup < 0:
        parser.error("--updates and --rounds must be positive, --warmup not negative")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
