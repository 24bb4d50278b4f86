"""The next step is never lost, in both languages: the last task done asks for the next at
once, one live prompt a deal, and the history lists tasks set, moved and done."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import DeleteMessage, EditMessageText
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.tasks.next_step import PROMPTS_USER
from storage.models import DealEventRow
from tests.conftest import FakeClock
from tests.flows.conftest import Jobs, join
from tests.flows.harness import Person, Said, said


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


async def deal_with_a_task(seller: Person) -> None:
    """Ромашка, and its next step tomorrow 10:00 from the prompt."""
    t = s(seller)
    await seller.send("/new Ромашка 150к")
    await seller.press(t("quick.btn.create"))
    await seller.press(t("when.tomorrow_10"))
    assert t("task.created_toast") == seller.alert


async def kinds(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(DealEventRow.kind).order_by(DealEventRow.id))
        return [r[0] for r in rows]


async def open_first_task(seller: Person) -> None:
    await seller.send("/tasks")
    await seller.press(seller.buttons()[0])


async def test_the_last_task_done_asks_for_the_next_step_at_once(seller: Person) -> None:
    t = s(seller)
    await deal_with_a_task(seller)
    await open_first_task(seller)
    await seller.press(t("task.btn.done"))
    assert seller.text == t("task.last_done", deal="Ромашка")
    assert t("when.tomorrow_10") in seller.buttons()
    await seller.press(t("when.in_3_days"))
    assert seller.alert == t("task.created_toast")


async def test_a_task_done_while_another_is_open_asks_nothing(seller: Person) -> None:
    t = s(seller)
    await deal_with_a_task(seller)
    await seller.press(t("card.btn.task"))
    await seller.send("Отправить КП")
    await seller.send("25.12 15:00")
    await open_first_task(seller)
    await seller.press(t("task.btn.done"))
    assert t("task.last_done", deal="Ромашка") not in seller.texts


async def test_the_last_task_done_on_a_reminder_asks_too(
    seller: Person, jobs: Jobs, clock: FakeClock
) -> None:
    t = s(seller)
    await deal_with_a_task(seller)
    clock.advance(days=1)
    await jobs.tick()
    await seller.press(t("task.btn.done"))
    assert seller.text == t("task.last_done", deal="Ромашка")


async def test_an_answered_prompt_stays_and_a_newer_one_replaces_only_the_live_one(
    seller: Person, engine: AsyncEngine
) -> None:
    t = s(seller)
    await deal_with_a_task(seller)  # the first prompt answered: a task now
    stage = "Квалификация" if seller.lang == "ru" else "Qualification"
    await seller.press(t("card.btn.next", stage=stage))
    assert not [r for r in seller.replies if isinstance(r, DeleteMessage)]
    card = seller.bot.last(EditMessageText).message_id  # the card itself asks now
    assert seller.card.endswith(t("task.next_step_ask", deal="Ромашка"))
    assert t("when.tomorrow_10") in seller.card_buttons()
    stage = "Встреча / презентация" if seller.lang == "ru" else "Meeting / presentation"
    await seller.press(t("card.btn.next", stage=stage))
    assert not [r for r in seller.replies if isinstance(r, DeleteMessage)]  # the same card
    assert seller.card.count(t("task.next_step_ask", deal="Ромашка")) == 1
    assert seller.bot.last(EditMessageText).message_id == card
    await seller.press(t("when.in_3_days"))
    assert seller.alert == t("task.created_toast")
    assert t("task.next_step_ask", deal="Ромашка") not in seller.card  # the card, answered
    assert t("when.in_3_days") not in seller.card_buttons()
    key = StorageKey(bot_id=seller.bot.id, chat_id=seller.tg_id, user_id=PROMPTS_USER)
    assert await seller.dp.storage.get_data(key) == {}  # no live prompt left behind


async def test_a_card_that_asked_is_put_back_when_another_card_asks(seller: Person) -> None:
    t = s(seller)
    await deal_with_a_task(seller)
    stage = "Квалификация" if seller.lang == "ru" else "Qualification"
    await seller.press(t("card.btn.next", stage=stage))
    asked = seller.bot.last(EditMessageText).message_id
    await seller.send("/deals")
    await seller.press(seller.buttons()[0])  # the same deal's card, as a new message
    stage = "Встреча / презентация" if seller.lang == "ru" else "Meeting / presentation"
    await seller.press(t("card.btn.next", stage=stage))
    put_back = [r for r in seller.replies if isinstance(r, EditMessageText)]
    older = next(r for r in put_back if r.message_id == asked)
    assert t("task.next_step_ask", deal="Ромашка") not in str(older.text)
    assert not [r for r in seller.replies if isinstance(r, DeleteMessage)]  # a card stays


async def test_the_history_lists_tasks_set_moved_and_done(
    seller: Person, engine: AsyncEngine
) -> None:
    t = s(seller)
    await deal_with_a_task(seller)
    await open_first_task(seller)
    await seller.press(t("task.btn.tomorrow"))  # 10:00 tomorrow already: not a move
    await seller.press(t("task.btn.hour"))
    await seller.press(t("task.btn.done"))
    assert await kinds(engine) == ["created", "task_set", "task_moved", "task_done"]
    await seller.press(t("task.btn.deal"))
    await seller.press(t("card.btn.history"))
    history = seller.text
    text = t(
        "task.next_step_text", stage="Первый контакт" if seller.lang == "ru" else "First contact"
    )
    assert t("history.task_set", text=text, due="24.11 10:00") in history
    assert t("history.task_moved", text=text, before="24.11 10:00", after="23.11 11:00") in history
    assert t("history.task_done", text=text) in history


async def test_a_task_without_a_deal_writes_no_history(seller: Person, engine: AsyncEngine) -> None:
    await seller.send("/task")
    await seller.send("Подготовить отчёт")
    await seller.send("завтра 10:00" if seller.lang == "ru" else "tomorrow 10:00")
    await open_first_task(seller)
    await seller.press(s(seller)("task.btn.done"))
    assert await kinds(engine) == []
    assert s(seller)("task.last_done", deal="") not in " ".join(seller.texts)


async def test_the_last_task_done_from_the_morning_agenda_asks_too(
    seller: Person, jobs: Jobs, clock: FakeClock
) -> None:
    t = s(seller)
    await deal_with_a_task(seller)  # tomorrow 10:00
    clock.advance(hours=22, minutes=40)  # tomorrow 08:40: the agenda lists it for today
    await jobs.tick()
    first = "Первый контакт" if seller.lang == "ru" else "First contact"
    await seller.press("✅ " + t("task.next_step_text", stage=first))  # the agenda's row
    assert seller.text == t("task.last_done", deal="Ромашка")
