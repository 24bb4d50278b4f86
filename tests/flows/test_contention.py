"""Jobs, the sender and button presses write at once: nothing is lost, nothing is an error.

On SQLite with a busy timeout far shorter than the real one, so that the write lock is
contended all the time; on PostgreSQL the same run shows the writer's flavour changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import TelegramId
from bot.domain.notices import Notice
from bot.services import writes
from bot.services.ports import UnitOfWork
from storage.db import make_engine
from storage.models import DealEventRow, OutboxRow, SettingRow
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock, _truncate
from tests.flows.harness import Person, said
from tests.flows.test_deals import create, rows
from tests.mocked_bot import MockedBot, make_callback

DEALS, JOB_RUNS, NOTICES = 16, 30, 40
BUSY_TIMEOUT_MS = 5  # the real one is 5000: here every wait for the lock can run out
# The test's own job and sender writes: each try waits 5 ms instead of 5 s, so on a loaded
# machine (a lock holder descheduled for tens of ms) eight tries can all run out; what is
# checked is that busy is retried quietly and nothing is lost, not the number of tries.
TRIES = 3 * writes.ATTEMPTS


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """The test database (SQLite, then PostgreSQL), SQLite's busy timeout cut short."""
    eng = make_engine(db_url, busy_timeout_ms=BUSY_TIMEOUT_MS)
    if eng.dialect.name == "postgresql":
        await _truncate(eng)
    yield eng
    await eng.dispose()


async def job(uows: SqlUnitOfWorkFactory, run: int) -> None:
    """A job's write: read, think a moment with the lock held, write."""

    async def work(uow: UnitOfWork) -> None:
        await uow.users.by_tg(TelegramId(2000))
        await asyncio.sleep(0.002)
        await uow.settings.put(f"contention.job.{run}", "done")

    await writes.write(uows, work, attempts=TRIES)


async def outbox(uows: SqlUnitOfWorkFactory, clock: FakeClock, n: int) -> None:
    """The sender's writes: queue a notice, claim it, record it sent, each a short transaction."""
    # A chat of its own: a claim takes only a chat's oldest notice, so workers sharing chats
    # would wait for each other's deliveries, which is not what this test is about.
    notice = Notice(TelegramId(3000 + n), "test", f"notice {n}", dedup_key=f"contention:{n}")
    lease = clock() + timedelta(minutes=5)
    await writes.write(uows, lambda uow: uow.outbox.add([notice], clock()), attempts=TRIES)
    claimed = []
    for _ in range(100):  # another worker may hold the lock or have taken the head just now
        claimed = await writes.write(
            uows, lambda uow: uow.outbox.claim(f"w{n}", clock(), lease, 1), attempts=TRIES
        )
        if claimed:
            break
        await asyncio.sleep(0.001)
    for item in claimed:

        async def sent(uow: UnitOfWork, item_id: int = item.id) -> None:
            await uow.outbox.mark_sent(item_id, f"w{n}", clock())

        await writes.write(uows, sent, attempts=TRIES)


async def test_presses_jobs_and_the_sender_at_once_lose_nothing_and_log_no_lock_errors(
    seller: Person,
    bot: MockedBot,
    uow_factory: SqlUnitOfWorkFactory,
    clock: FakeClock,
    engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    presses = []
    for n in range(DEALS):
        await create(seller, f"Клиент {n}")
        message, data = seller.find_button(said("card.btn.next", stage="Квалификация"))
        presses.append(make_callback(seller.tg_id, data, message_id=message.message_id))
    caplog.set_level(logging.INFO)
    before = len(bot.requests)

    await asyncio.gather(
        *(seller.dp.feed_update(bot, press) for press in presses),
        *(job(uow_factory, run) for run in range(JOB_RUNS)),
        *(outbox(uow_factory, clock, n) for n in range(NOTICES)),
    )

    moved = select(func.count()).where(DealEventRow.kind == "stage")
    assert await rows(engine, moved) == [(DEALS,)]  # every press counted, once
    answered = bot.requests[before:]
    cards = [r for r in answered if isinstance(r, EditMessageText)]
    assert len(cards) == DEALS
    assert all(said.part("card.stage", stage="Квалификация") in (c.text or "") for c in cards)
    assert len([r for r in answered if isinstance(r, AnswerCallbackQuery)]) == DEALS
    job_rows = select(func.count()).where(SettingRow.key.like("contention.job.%"))
    assert await rows(engine, job_rows) == [(JOB_RUNS,)]
    sent = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
    assert await rows(engine, sent) == [("sent", NOTICES)]
    locked = [
        r for r in caplog.records if "locked" in r.getMessage() or "locked" in (r.exc_text or "")
    ]
    assert not [r for r in locked if r.levelno >= logging.WARNING]
    if engine.dialect.name == "sqlite":
        busy = [r for r in caplog.records if r.getMessage().startswith("Database busy")]
        assert busy, "no write met a taken lock: the test contends nothing"
        assert all(r.levelno == logging.INFO for r in busy)
