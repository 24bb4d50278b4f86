"""A task overdue longer than the company's span of working time (24 hours by default, days
off not counted) goes to the seller's head, once, however many runs, restarts and processes;
what one run finds goes to each head as one message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from aiogram.methods import SendMessage
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.company import CompanySettings
from bot.jobs.context import JobContext
from bot.jobs.escalations import send_overdue_escalations
from handlers.notices import TelegramNotifier
from storage.models import TaskRow
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.flows.conftest import Jobs
from tests.flows.harness import Person, said
from tests.flows.test_departments import two_teams
from tests.flows.test_digest import msk
from tests.flows.test_reminders import make_task
from tests.mocked_bot import MockedBot


def overdue_to(bot: MockedBot, chat_id: int) -> list[str]:
    """The escalations a person got: the one-task sentence or the list's section."""
    title = said.part("compose.kind.overdue")
    return [
        r.text
        for r in bot.sent(SendMessage)
        if r.chat_id == chat_id and r.text and (r.text.startswith("⏰ У ") or title in r.text)
    ]


async def due(engine: AsyncEngine, text: str, at: datetime) -> None:
    async with engine.begin() as conn:
        await conn.execute(update(TaskRow).where(TaskRow.text == text).values(due_at=at))


async def test_a_task_overdue_a_working_day_goes_to_the_sellers_head_once(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    engine: AsyncEngine,
    uow_factory: SqlUnitOfWorkFactory,
    jobs: Jobs,
    clock: FakeClock,
    bot: MockedBot,
) -> None:
    helen, hugo, olga, pavel = await two_teams(admin, seller, person)
    await make_task(seller, "Позвонить в Ромашку", "сегодня 12:00")  # Monday 23 November
    await make_task(olga, "Отправить КП", "сегодня 13:00")
    await make_task(pavel, "Выставить счёт", "сегодня 12:00")
    await make_task(olga, "Сделанная задача", "сегодня 12:00")
    await olga.send("/tasks")
    await olga.press("Сделанная задача")
    await olga.press(said("task.btn.done"))
    clock.now = msk(24, 11)  # 23 hours on: not yet
    bot.clear()
    await jobs.tick()
    assert [overdue_to(bot, p.tg_id) for p in (helen, hugo, admin)] == [[], [], []]

    clock.now = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)  # Tuesday 13:30 Moscow
    await jobs.tick()
    # Helen, North's head: Sergey's and Olga's in one message; Hugo, South's: Pavel's alone.
    [north] = overdue_to(bot, helen.tg_id)
    assert said("compose.kind.overdue", count=2) in north
    assert "Позвонить в Ромашку" in north and "👤 Sergey" in north
    assert "Отправить КП" in north and "👤 Olga" in north
    assert "Выставить счёт" not in north and "Сделанная задача" not in north
    [south] = overdue_to(bot, hugo.tg_id)
    assert south.startswith(said.part("overdue.one", who="Pavel", task="Выставить счёт"))
    assert overdue_to(bot, admin.tg_id) == []  # the teams have heads
    assert overdue_to(bot, seller.tg_id) == []

    # Never again: a later run, a second process, a restart (a new context) add nothing.
    clock.advance(minutes=15)
    await jobs.tick()
    other = JobContext(
        uow_factory=uow_factory, clock=clock, notifier=TelegramNotifier.of(CompanySettings())
    )
    assert await send_overdue_escalations(other) == 0
    clock.advance(days=1)
    await jobs.tick()
    assert [len(overdue_to(bot, p.tg_id)) for p in (helen, hugo)] == [1, 1]
    async with engine.connect() as conn:
        marks = (await conn.execute(select(TaskRow.text, TaskRow.escalated_due_at))).all()
    reported = {text for text, at in marks if at is not None}
    assert reported == {"Позвонить в Ромашку", "Отправить КП", "Выставить счёт"}

    # Put off to a new due time and overdue again: that is news again, once.
    await due(engine, "Выставить счёт", msk(25, 12))
    clock.now = msk(26, 13)
    await jobs.tick()
    assert len(overdue_to(bot, hugo.tg_id)) == 2


async def test_days_off_do_not_count(
    admin: Person, seller: Person, engine: AsyncEngine, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    # No teams and no head: the admin hears of it. Due Friday 27th 15:00; Monday 30th 14:00 is
    # 9 + 14 = 23 working hours later (the weekend does not count), 15:30 is 24.5.
    await make_task(seller, "Пятничный звонок", "27.11 15:00")
    clock.now = msk(30, 14)
    bot.clear()
    await jobs.tick()
    assert overdue_to(bot, admin.tg_id) == []
    clock.now = datetime(2026, 11, 30, 12, 30, tzinfo=UTC)  # 15:30 Moscow
    await jobs.tick()
    [told] = overdue_to(bot, admin.tg_id)
    assert told.startswith(said.part("overdue.one", who="Sergey", task="Пятничный звонок"))


async def test_the_span_is_a_setting_and_off_means_never(
    admin: Person, seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot
) -> None:
    await admin.send("/settings")
    await admin.press(said("settings.key.escalate_after_hours"))
    await admin.send("сутки")
    name, hint = (
        said("settings.key.escalate_after_hours"),
        said("settings.hint.escalate_after_hours"),
    )
    assert admin.text == said("settings.invalid", name=name, hint=hint)
    await admin.send("2")
    assert admin.texts[0] == said("settings.saved")
    await make_task(seller, "Срочный звонок", "сегодня 11:00")  # Monday 23rd
    clock.now = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)  # 13:30 Moscow: 2.5 hours late
    bot.clear()
    await jobs.tick()
    assert len(overdue_to(bot, admin.tg_id)) == 1
    await admin.send("/settings")
    await admin.press(said("settings.key.escalate_after_hours"))
    await admin.send("off")
    await make_task(seller, "Ещё звонок", "сегодня 12:00")
    clock.advance(days=3)
    await jobs.tick()
    assert len(overdue_to(bot, admin.tg_id)) == 1
