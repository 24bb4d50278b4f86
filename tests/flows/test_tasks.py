"""Tasks: the next step of every deal, set in one tap, listed, done, moved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import TaskRow
from tests.conftest import FakeClock
from tests.flows.conftest import join
from tests.flows.harness import Person
from tests.flows.test_deals import create


async def tasks_in(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        stmt = select(TaskRow.text, TaskRow.status, TaskRow.due_at, TaskRow.deal_id)
        return list((await conn.execute(stmt.order_by(TaskRow.id))).all())


async def test_a_new_deal_asks_for_the_next_step_and_one_tap_sets_it(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    assert seller.text == "⏭ Следующий шаг по «Ромашка» — когда?"
    assert seller.buttons() == [
        "Сегодня 18:00",
        "Завтра 10:00",
        "Через 3 дня",
        "Пн 10:00",
        "✍️ Своя задача",
    ]
    await seller.press("Завтра 10:00")
    assert seller.alert == "Задача поставлена"
    assert (
        seller.text
        == "✅ Задача поставлена: Следующий шаг по этапу «Первый контакт» — завтра 10:00"
    )
    [(_, status, due, deal_id)] = await tasks_in(engine)
    assert (status, deal_id) == ("open", 1)
    assert due.isoformat() == "2026-11-24T07:00:00+00:00"  # 10:00 Moscow
    await seller.press("💼 Сделка")
    assert "⏭ Следующий шаг: Следующий шаг по этапу «Первый контакт» — 24.11 10:00" in seller.card


async def test_a_deal_without_a_task_is_flagged_on_its_card(seller: Person) -> None:
    await create(seller, "Ромашка")
    await seller.press("◀️ Назад")
    await seller.press("Ромашка")
    assert "⚠️ Нет следующего шага: поставьте задачу" in seller.card


async def test_a_task_from_the_card_with_a_typed_time(seller: Person, engine: AsyncEngine) -> None:
    await create(seller, "Ромашка")
    await seller.press("➕ Задача")
    assert seller.text == "Задача по сделке «Ромашка». Что нужно сделать?"
    await seller.send("Отправить КП")
    assert "Когда?" in seller.text
    await seller.send("вчера")
    assert seller.text.startswith("Не понял время")
    await seller.send("сегодня 9:00")
    assert seller.text == "Это время уже прошло. Выберите время в будущем."
    await seller.send("завтра 15:00")
    assert seller.text == "✅ Задача поставлена: Отправить КП — завтра 15:00"
    [(text, _, due, _)] = await tasks_in(engine)
    assert (text, due.isoformat()) == ("Отправить КП", "2026-11-24T12:00:00+00:00")


async def test_a_task_without_a_deal_and_the_list(seller: Person, clock: FakeClock) -> None:
    await seller.send("/task")
    await seller.send("Позвонить в банк")
    await seller.press("Сегодня 18:00")
    await seller.send("/task")
    await seller.send("Отчёт")
    await seller.send("через 2 часа")
    clock.advance(hours=3)
    await seller.send("✅ Задачи")
    assert "✅ <b>Мои задачи</b>: 2" in seller.text
    assert "<b>🔴 Просрочено: 1</b>\n🔴 сегодня 12:00 — Отчёт" in seller.text
    assert "<b>📅 Сегодня: 1</b>\n⏰ сегодня 18:00 — Позвонить в банк" in seller.text
    assert seller.buttons() == ["🔴 Отчёт", "Позвонить в банк"]


async def test_done_then_done_again_says_it_is_already_done(
    seller: Person, engine: AsyncEngine
) -> None:
    await seller.send("/task")
    await seller.send("Позвонить")
    await seller.press("Завтра 10:00")
    message, data = seller.find_button("✅ Готово")
    await seller.press_data(data, message.message_id)
    assert seller.alert == "Готово ✅"
    assert "✅ Выполнена" in seller.text
    await seller.press_data(data, message.message_id)
    assert seller.alert == "Задача уже выполнена."
    assert [(r[0], r[1]) for r in await tasks_in(engine)] == [("Позвонить", "done")]


async def test_reschedule_by_picks_and_by_typing(seller: Person, engine: AsyncEngine) -> None:
    await seller.send("/task")
    await seller.send("Позвонить")
    await seller.press("Сегодня 18:00")
    await seller.press("🗓 Перенести")
    assert "На когда перенести?" in seller.text
    await seller.press("Через 3 дня")
    assert seller.alert == "Перенесено на 26.11 10:00"
    await seller.press("🗓 Перенести")
    await seller.send("в пятницу в 11")
    assert "⏰ Срок: 27.11 11:00" in seller.text
    [(_, _, due, _)] = await tasks_in(engine)
    assert due.isoformat() == "2026-11-27T08:00:00+00:00"


async def test_someone_elses_task_cannot_be_touched(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    await seller.send("/task")
    await seller.send("Моя задача")
    await seller.press("Завтра 10:00")
    _, data = seller.find_button("✅ Готово")
    olga = person(2500, "Olga")
    await join(admin, olga, "менеджер")
    await olga.press_data(data)
    assert olga.alert == "Это вам недоступно."
    await olga.press_data("t:d:99999:0")
    assert olga.alert == "Задача не найдена: возможно, её удалили."
    assert [r[1] for r in await tasks_in(engine)] == ["open"]


async def test_an_overlong_task_text_is_refused_and_can_be_retyped(seller: Person) -> None:
    await seller.send("/task")
    await seller.send("x" * 301)
    assert "Слишком длинно: 301 символ, можно не больше 300 символов" in seller.text
    await seller.send("Коротко")
    assert "Когда?" in seller.text


async def test_a_stale_quick_pick_is_refused(seller: Person, clock: FakeClock) -> None:
    await seller.send("/task")
    await seller.send("Позвонить")
    clock.advance(hours=9)  # 19:00: "today 18:00" on the old buttons is gone
    await seller.press("Сегодня 18:00")
    assert seller.alert == "Это время уже прошло. Выберите время в будущем."


async def test_a_long_task_list_still_fits_one_message(seller: Person) -> None:
    for i in range(40):
        await seller.send("/task")
        await seller.send(f"{i:02} " + "очень длинная задача " * 14)
        await seller.press("Завтра 10:00")
    await seller.send("/tasks")
    assert len(seller.text) < 4096
    assert "✅ <b>Мои задачи</b>: 40" in seller.text


async def test_a_long_history_still_fits_one_message(seller: Person) -> None:
    await create(seller, "Ромашка")
    for _ in range(12):
        await seller.press("📝 Заметка")
        await seller.send("длинная заметка " * 60)
    await seller.press("📜 История")
    assert len(seller.text) < 4096
    assert "…и ещё" in seller.text


async def test_closing_a_deal_cancels_its_open_tasks(seller: Person, engine: AsyncEngine) -> None:
    await create(seller, "Ромашка")
    await seller.press("Завтра 10:00")
    await seller.press("💼 Сделка")
    await seller.press("✅ Успешно")
    assert [r[1] for r in await tasks_in(engine)] == ["cancelled"]
    await seller.send("/tasks")
    assert seller.text == "Открытых задач нет 👍"


async def test_a_second_quick_tap_sets_the_next_step_once(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    message, data = seller.find_button("Завтра 10:00")
    await seller.press_data(data, message.message_id)
    await seller.press_data(data, message.message_id)
    assert len(await tasks_in(engine)) == 1


async def test_a_second_tap_on_the_last_step_of_a_new_deal_is_refused_politely(
    seller: Person, engine: AsyncEngine
) -> None:
    await seller.send("/new")
    await seller.send("Ромашка")
    await seller.send("100000")
    await seller.press("Пропустить")
    message, data = seller.find_button("Пропустить")
    await seller.press_data(data, message.message_id)
    await seller.press_data(data, message.message_id)
    assert seller.alert == "Эта кнопка больше не действует. Откройте нужный раздел заново: /help"
    async with engine.connect() as conn:
        assert len((await conn.execute(select(TaskRow.id))).all()) == 0
