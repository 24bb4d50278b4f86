"""One tap from a notification, in both languages: reminders and stalled-deal alerts carry
➡️ next stage (the deal's version in the button, the card's access rules and stale answer);
`/tasks` rows name the client."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiogram.methods import SendMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import DealEventRow, DealRow, StageRow
from tests.conftest import FakeClock
from tests.flows.conftest import Jobs, join
from tests.flows.harness import Person, Said, said
from tests.mocked_bot import MockedBot

STAGES = {
    "ru": ("Первый контакт", "Квалификация", "Встреча / презентация"),
    "en": ("First contact", "Qualification", "Meeting / presentation"),
}


@pytest.fixture(params=["ru", "en"])
def team_language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def seller(admin: Person, person: Callable[..., Person], team_language: str) -> Person:
    newcomer = person(2000, "Sergey", team_language)
    await join(admin, newcomer, said("role.seller"))
    return newcomer


def s(seller: Person) -> Said:
    return said.of(seller.lang)


async def deal(seller: Person, line: str, *, task: bool = True) -> None:
    t = s(seller)
    await seller.send(f"/new {line}")
    await seller.press(t("quick.btn.create"))
    if task:
        await seller.press(t("when.tomorrow_10"))


async def stage_of(engine: AsyncEngine, title: str) -> str:
    async with engine.connect() as conn:
        stmt = select(StageRow.name).join(DealRow, DealRow.stage_id == StageRow.id)
        return str(await conn.scalar(stmt.where(DealRow.title == title)))


async def reminded(seller: Person, jobs: Jobs, clock: FakeClock) -> None:
    clock.advance(days=1)
    await jobs.tick()
    assert seller.find_button(s(seller)("notice.btn.next_stage"))


async def test_a_reminder_moves_its_deal_on_in_one_tap(
    seller: Person, jobs: Jobs, clock: FakeClock, engine: AsyncEngine
) -> None:
    t, (_, second, _) = s(seller), STAGES[seller.lang]
    await deal(seller, "Ромашка 150к")
    await reminded(seller, jobs, clock)
    updates = 0
    await seller.press(t("notice.btn.next_stage"))
    updates += 1
    assert seller.alert == t("card.moved", stage=second)
    assert t.part("card.stage", stage=second) in seller.card
    # The card comes asking for the next step: one message, the question folded in.
    assert seller.texts == [seller.card]
    assert seller.card.endswith("\n\n" + t("task.next_step_ask", deal="Ромашка"))
    assert await stage_of(engine, "Ромашка") == second
    assert updates == 1


async def test_a_reminder_for_a_deal_moved_since_shows_the_card_as_it_is(
    seller: Person, jobs: Jobs, clock: FakeClock, engine: AsyncEngine
) -> None:
    t, (_, second, third) = s(seller), STAGES[seller.lang]
    await deal(seller, "Ромашка 150к")
    await reminded(seller, jobs, clock)
    reminder, data = seller.find_button(t("notice.btn.next_stage"))
    await seller.press(t("card.btn.next", stage=second))  # moved from the card meanwhile
    await seller.press_data(data, reminder.message_id)
    assert seller.alert == t("error.stale_action")
    assert t.part("card.stage", stage=second) in seller.card  # the card as it is now
    assert await stage_of(engine, "Ромашка") == second  # not moved twice
    async with engine.connect() as conn:
        kinds = [r[0] for r in await conn.execute(select(DealEventRow.kind))]
    assert kinds.count("stage") == 1
    assert third


async def test_a_stalled_deal_alert_moves_it_on_in_one_tap(
    seller: Person, jobs: Jobs, clock: FakeClock, bot: MockedBot, engine: AsyncEngine
) -> None:
    t, (_, second, _) = s(seller), STAGES[seller.lang]
    await deal(seller, "Ромашка 150к", task=False)
    clock.advance(days=2, hours=1)
    bot.clear()
    await jobs.tick()
    alerts = [r for r in bot.sent(SendMessage) if "🐢" in r.text]
    assert alerts
    await seller.press(t("notice.btn.next_stage"))
    assert seller.alert == t("card.moved", stage=second)
    assert await stage_of(engine, "Ромашка") == second


async def test_a_colleague_cannot_move_a_deal_with_a_forwarded_button(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    jobs: Jobs,
    clock: FakeClock,
    engine: AsyncEngine,
) -> None:
    first = STAGES[seller.lang][0]
    await deal(seller, "Ромашка 150к")
    await reminded(seller, jobs, clock)
    _, data = seller.find_button(s(seller)("notice.btn.next_stage"))
    other = person(2001, "Olga", seller.lang)
    await join(admin, other, said("role.seller"))
    await other.press_data(data)
    assert other.alert == said.of(other.lang)("error.access_denied")
    assert await stage_of(engine, "Ромашка") == first


async def test_a_forged_or_last_stage_press_changes_nothing(
    seller: Person, engine: AsyncEngine
) -> None:
    t = s(seller)
    await deal(seller, "Ромашка 150к", task=False)
    await seller.press_data("nx:999999:1")  # no such deal
    assert seller.alert == t("error.deal_not_found")
    await seller.press_data("nx:abc:1")  # garbage
    assert seller.alert == t("error.stale_button")
    last = "Оплата" if seller.lang == "ru" else "Payment"
    await seller.press(t("card.btn.stages"))
    await seller.press(last)
    async with engine.connect() as conn:
        deal_id, version = (await conn.execute(select(DealRow.id, DealRow.version))).one()
    await seller.press_data(f"nx:{deal_id}:{version}")
    assert seller.alert == t("quick.last_stage")
    assert await stage_of(engine, "Ромашка") == last


async def test_tasks_rows_name_the_client(seller: Person) -> None:
    t = s(seller)
    await deal(seller, "ООО Ромашка 150к")
    await seller.press(t("card.btn.task"))
    await seller.send("Уточнить бюджет")
    await seller.send("25.12 15:00")
    await seller.send("/task")
    await seller.send("Подготовить отчёт")
    await seller.send("25.12 16:00")
    await seller.send("/tasks")
    first, budget, report = seller.buttons()
    assert first.endswith(" · ООО Ромашка")  # the next step's text, cut to fit
    assert budget == "Уточнить бюджет · ООО Ромашка"
    assert report == "Подготовить отчёт"  # no deal, no client
