"""Tasks: the next step of every deal, set in one tap, listed, done, moved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import TaskRow
from tests.conftest import FakeClock
from tests.flows.conftest import join
from tests.flows.harness import Person, said
from tests.flows.test_deals import create


async def tasks_in(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        stmt = select(TaskRow.text, TaskRow.status, TaskRow.due_at, TaskRow.deal_id)
        return list((await conn.execute(stmt.order_by(TaskRow.id))).all())


async def test_a_new_deal_asks_for_the_next_step_and_one_tap_sets_it(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    assert seller.text == said("task.next_step_ask", deal="Ромашка")
    assert seller.buttons() == [
        said("when.today_18"),
        said("when.tomorrow_10"),
        said("when.in_3_days"),
        said("when.next_monday_10"),
        said("task.btn.own"),
    ]
    await seller.press(said("when.tomorrow_10"))
    assert seller.alert == said("task.created_toast")
    step = said("task.next_step_text", stage="Первый контакт")
    assert seller.text == said(
        "task.created", text=step, due=said("when.tomorrow_at", time="10:00")
    )
    [(_, status, due, deal_id)] = await tasks_in(engine)
    assert (status, deal_id) == ("open", 1)
    assert due.isoformat() == "2026-11-24T07:00:00+00:00"  # 10:00 Moscow
    await seller.press(said("task.btn.deal"))
    assert said("card.next_task", text=step, due="24.11 10:00") in seller.card


async def test_a_deal_without_a_task_is_flagged_on_its_card(seller: Person) -> None:
    await create(seller, "Ромашка")
    await seller.press(said("btn.back"))
    await seller.press("Ромашка")
    assert said("card.no_task") in seller.card


async def test_a_task_from_the_card_with_a_typed_time(seller: Person, engine: AsyncEngine) -> None:
    await create(seller, "Ромашка")
    await seller.press(said("card.btn.task"))
    assert seller.text == said("task.ask_text_for_deal", deal="Ромашка")
    await seller.send("Отправить КП")
    assert said("task.ask_due") in seller.text
    await seller.send("вчера")
    assert seller.text == said("when.format")
    await seller.send("сегодня 9:00")
    assert seller.text == said("when.past")
    await seller.send("завтра 15:00")
    assert seller.text == said(
        "task.created", text="Отправить КП", due=said("when.tomorrow_at", time="15:00")
    )
    [(text, _, due, _)] = await tasks_in(engine)
    assert (text, due.isoformat()) == ("Отправить КП", "2026-11-24T12:00:00+00:00")


async def test_a_task_without_a_deal_and_the_list(seller: Person, clock: FakeClock) -> None:
    await seller.send("/task")
    await seller.send("Позвонить в банк")
    await seller.press(said("when.today_18"))
    await seller.send("/task")
    await seller.send("Отчёт")
    await seller.send("через 2 часа")
    clock.advance(hours=3)
    await seller.send(said("menu.tasks"))
    assert said("tasks.title", count=2) in seller.text
    overdue, today = said("tasks.overdue", count=1), said("tasks.today", count=1)
    at12, at18 = said("when.today_at", time="12:00"), said("when.today_at", time="18:00")
    assert f"<b>{overdue}</b>\n🔴 {at12} — Отчёт" in seller.text  # the lines are composed in code
    assert f"<b>{today}</b>\n⏰ {at18} — Позвонить в банк" in seller.text
    assert seller.buttons() == ["🔴 Отчёт", "Позвонить в банк"]


async def test_done_then_done_again_says_it_is_already_done(
    seller: Person, engine: AsyncEngine
) -> None:
    await seller.send("/task")
    await seller.send("Позвонить")
    await seller.press(said("when.tomorrow_10"))
    message, data = seller.find_button(said("task.btn.done"))
    await seller.press_data(data, message.message_id)
    assert seller.alert == said("task.done_toast")
    assert said("task.done_mark") in seller.text
    await seller.press_data(data, message.message_id)
    assert seller.alert == said("error.task_done")
    assert [(r[0], r[1]) for r in await tasks_in(engine)] == [("Позвонить", "done")]


async def test_reschedule_by_picks_and_by_typing(seller: Person, engine: AsyncEngine) -> None:
    await seller.send("/task")
    await seller.send("Позвонить")
    await seller.press(said("when.today_18"))
    await seller.press(said("task.btn.reschedule"))
    assert said("task.ask_new_due") in seller.text
    await seller.press(said("when.in_3_days"))
    assert seller.alert == said("task.moved_toast", due="26.11 10:00")
    await seller.press(said("task.btn.reschedule"))
    await seller.send("в пятницу в 11")
    assert said.part("task.card", due="27.11 11:00") in seller.text
    [(_, _, due, _)] = await tasks_in(engine)
    assert due.isoformat() == "2026-11-27T08:00:00+00:00"


async def test_someone_elses_task_cannot_be_touched(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    await seller.send("/task")
    await seller.send("Моя задача")
    await seller.press(said("when.tomorrow_10"))
    _, data = seller.find_button(said("task.btn.done"))
    olga = person(2500, "Olga")
    await join(admin, olga, said("role.seller"))
    await olga.press_data(data)
    assert olga.alert == said("error.access_denied")
    await olga.press_data("t:d:99999:0")
    assert olga.alert == said("error.task_not_found")
    assert [r[1] for r in await tasks_in(engine)] == ["open"]


async def test_an_overlong_task_text_is_refused_and_can_be_retyped(seller: Person) -> None:
    await seller.send("/task")
    await seller.send("x" * 301)
    too_long = said("error.text_too_long", length=said.n("chars", 301), limit=said.n("chars", 300))
    assert too_long in seller.text
    await seller.send("Коротко")
    assert said("task.ask_due") in seller.text


async def test_a_stale_quick_pick_is_refused(seller: Person, clock: FakeClock) -> None:
    await seller.send("/task")
    await seller.send("Позвонить")
    clock.advance(hours=9)  # 19:00: "today 18:00" on the old buttons is gone
    await seller.press(said("when.today_18"))
    assert seller.alert == said("when.past")


async def test_a_long_task_list_still_fits_one_message(seller: Person) -> None:
    for i in range(40):
        await seller.send("/task")
        await seller.send(f"{i:02} " + "очень длинная задача " * 14)
        await seller.press(said("when.tomorrow_10"))
    await seller.send("/tasks")
    assert len(seller.text) < 4096
    assert said("tasks.title", count=40) in seller.text


async def test_a_long_history_still_fits_one_message(seller: Person) -> None:
    await create(seller, "Ромашка")
    for _ in range(12):
        await seller.press(said("card.btn.note"))
        await seller.send("длинная заметка " * 60)
    await seller.press(said("card.btn.history"))
    assert len(seller.text) < 4096
    assert said.part("more") in seller.text


async def test_closing_a_deal_cancels_its_open_tasks(seller: Person, engine: AsyncEngine) -> None:
    await create(seller, "Ромашка")
    await seller.press(said("when.tomorrow_10"))
    await seller.press(said("task.btn.deal"))
    await seller.press(said("card.btn.won"))
    assert [r[1] for r in await tasks_in(engine)] == ["cancelled"]
    await seller.send("/tasks")
    assert seller.text == said("tasks.empty")


async def test_a_second_quick_tap_sets_the_next_step_once(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    message, data = seller.find_button(said("when.tomorrow_10"))
    await seller.press_data(data, message.message_id)
    await seller.press_data(data, message.message_id)
    assert len(await tasks_in(engine)) == 1


async def test_a_second_tap_on_the_last_step_of_a_new_deal_is_refused_politely(
    seller: Person, engine: AsyncEngine
) -> None:
    await seller.send("/new")
    await seller.send("Ромашка")
    await seller.send("100000")
    message, data = seller.find_button(said("quick.btn.create"))
    await seller.press_data(data, message.message_id)
    await seller.press_data(data, message.message_id)
    assert seller.alert == said("error.stale_button")
    async with engine.connect() as conn:
        assert len((await conn.execute(select(TaskRow.id))).all()) == 0
