"""The stand-up's "yesterday" on the team calendar, and /digest on demand naming its period:
Monday 30 November 2026 reports Friday the 27th with the weekend's sales, said so."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.plans import Plan
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.flows.conftest import Jobs
from tests.flows.harness import Person, said
from tests.flows.test_deals import create
from tests.flows.test_digest import _close, _user_id, digests_to, msk, texts_to
from tests.mocked_bot import MockedBot


@pytest.fixture
async def weekend(
    seller: Person, engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    """Sergey plans 2 000 000 for November (20 working days: 100 000 a day). Thursday the
    26th he won 200 000, Friday the 27th 100 000, Saturday the 28th 50 000; Sunday he lost one."""
    for title, amount in (
        ("Четверг", "200000"), ("Пятница", "100000"), ("Суббота", "50000"), ("Воскресенье", "1000")
    ):  # fmt: skip
        await create(seller, title, amount)
    await _close(engine, "Четверг", "won", msk(26, 12), new=True)
    await _close(engine, "Пятница", "won", msk(27, 15), new=True)
    await _close(engine, "Суббота", "won", msk(28, 12), new=False)
    await _close(engine, "Воскресенье", "lost", msk(29, 12), new=True)
    async with uow_factory() as uow:
        sergey = await _user_id(engine, seller.tg_id)
        await uow.plans.save([Plan(sergey, date(2026, 11, 1), 200_000_000)], None, clock.now)
        await uow.commit()


async def test_monday_morning_reports_friday_with_the_weekend_added_and_said_so(
    admin: Person, seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot, weekend: None
) -> None:
    clock.now = msk(30, 9)  # Monday 09:00
    bot.clear()
    await jobs.tick()
    [digest] = digests_to(bot, admin.tg_id)
    # Friday and Saturday: 2 won, 150 000 against one day's plan of 100 000.
    yesterday = said(
        "digest.yesterday_since",
        day="пт 27.11",
        won=2,
        amount="150 000 ₽",
        plan="100 000 ₽",
        percent="150 %",
    )
    assert yesterday in digest
    assert said("digest.off_days_won", won=1, amount="50 000 ₽") in digest
    assert said.part("digest.seller", name="Sergey", won=2) in digest
    # The morning digest does not name a period nor today: that is for /digest on demand.
    assert said.part("digest.period") not in digest


async def test_monday_without_weekend_sales_says_there_were_none(
    admin: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot, weekend: None, engine: AsyncEngine
) -> None:
    await _close(engine, "Суббота", "won", msk(26, 13), new=False)  # Thursday after all
    clock.now = msk(30, 9)
    bot.clear()
    await jobs.tick()
    [digest] = digests_to(bot, admin.tg_id)
    assert said.part("digest.yesterday_since", day="пт 27.11", won=1) in digest
    assert said("digest.off_days_none") in digest


async def test_a_holiday_gets_no_stand_up_and_the_day_after_reports_the_day_before(
    admin: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot, weekend: None, engine: AsyncEngine
) -> None:
    await _close(engine, "Пятница", "won", msk(3, 15), new=True)  # Tuesday 3 November
    clock.now = msk(4, 9)  # Unity Day
    bot.clear()
    await jobs.tick()
    assert digests_to(bot, admin.tg_id) == []
    clock.now = msk(5, 9)
    await jobs.tick()
    [digest] = digests_to(bot, admin.tg_id)
    assert said.part("digest.yesterday_since", day="вт 03.11", won=1) in digest
    assert said("digest.off_days_none") in digest


async def test_digest_on_demand_names_its_period_and_adds_today_so_far(
    admin: Person, clock: FakeClock, engine: AsyncEngine, seller: Person, weekend: None
) -> None:
    await create(seller, "Сегодня", "70000")
    await _close(engine, "Сегодня", "won", msk(30, 11), new=True)
    clock.now = msk(30, 15)
    await admin.send("/digest")
    [text] = [t for t in admin.texts if t.startswith("📊")]
    text = text.replace("\u00a0", " ")
    assert said("digest.period", period="1–29 ноября") in text
    assert said("digest.today", time="15:00", won=1, amount="70 000 ₽") in text
    # The month's fact runs to the end of yesterday: 350 000, today's 70 000 apart.
    assert said.part("digest.month", fact="350 000 ₽") in text


async def test_digest_on_the_second_of_the_month(
    admin: Person, clock: FakeClock, engine: AsyncEngine, seller: Person, weekend: None
) -> None:
    """Found here: with one past day in the month its query's CASE had no branch (invalid SQL)."""
    await create(seller, "Первое", "10000")
    await _close(engine, "Первое", "won", datetime(2026, 12, 1, 9, tzinfo=UTC), new=True)
    clock.now = datetime(2026, 12, 2, 7, tzinfo=UTC)  # Wednesday 2 December 10:00 Moscow
    await admin.send("/digest")
    text = next(t for t in admin.texts if t.startswith("📊")).replace("\u00a0", " ")
    assert said("digest.period", period="1 декабря") in text
    assert said.part("digest.month", fact="10 000 ₽") in text


async def test_digest_on_the_first_of_the_month(
    admin: Person, clock: FakeClock, engine: AsyncEngine, seller: Person, weekend: None
) -> None:
    await create(seller, "Декабрь", "10000")
    at = datetime(2026, 11, 30, 22, tzinfo=UTC)  # 1 December 01:00 Moscow
    await _close(engine, "Декабрь", "won", at, new=True)
    clock.now = datetime(2026, 12, 1, 7, tzinfo=UTC)  # 1 December 10:00 Moscow
    await admin.send("/digest")
    text = next(t for t in admin.texts if t.startswith("📊")).replace("\u00a0", " ")
    assert said("digest.period_first") in text
    assert said("digest.today", time="10:00", won=1, amount="10 000 ₽") in text


async def test_in_english(
    admin: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot, weekend: None
) -> None:
    en = said.of("en")
    await admin.send("/language")
    await admin.press("English")
    clock.now = msk(30, 9)
    bot.clear()
    await jobs.tick()
    [morning] = digests_to(bot, admin.tg_id)
    assert en.part("digest.yesterday_since", day="Fri 27.11", won=2) in morning
    assert en("digest.off_days_won", won=1, amount="₽50,000") in morning
    clock.now = msk(30, 15)
    await admin.send("/digest")
    text = next(t for t in admin.texts if t.startswith("📊")).replace("\u00a0", " ")
    assert en("digest.period", period="1–29 November") in text
    assert en("digest.today", time="15:00", won=0, amount="₽0") in text
    assert any(t.startswith("📊") for t in texts_to(bot, admin.tg_id))
