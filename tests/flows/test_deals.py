"""A seller creates a deal from a phone and moves it to won or lost."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import ClientRow, DealEventRow, DealRow, StageRow
from tests.flows.conftest import join
from tests.flows.harness import Person


async def create(seller: Person, client: str, amount: str | None = "150000") -> None:
    await seller.send("/new")
    await seller.send(client)
    if "Это один из них" in seller.text or "Is it one of them" in seller.text:
        await seller.press("➕")
    if amount is None:
        await seller.press("Пропустить")
    else:
        await seller.send(amount)
    await seller.press("Пропустить" if seller.lang == "ru" else "Skip")  # channel
    await seller.press("Пропустить" if seller.lang == "ru" else "Skip")  # product


async def rows(engine: AsyncEngine, stmt: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(stmt)).all())


async def test_seller_creates_a_deal_step_by_step(seller: Person, engine: AsyncEngine) -> None:
    await seller.send("➕ Сделка")
    assert "Новая сделка в воронке «Новые клиенты»" in seller.text
    assert seller.buttons() == ["🔀 Действующие клиенты", "🔀 Возврат клиентов"]
    await seller.send("ООО Ромашка")
    assert "Сумма сделки?" in seller.text
    await seller.send("1,5 млн")
    assert seller.text == "Откуда пришёл клиент?"
    await seller.press("Рекомендация")
    assert "Какой продукт" in seller.text
    await seller.send("CRM внедрение")
    card = seller.card
    assert "💼 <b>ООО Ромашка</b>" in card
    assert "1\u00a0500\u00a0000\u00a0₽" in card
    assert "Этап: Первый контакт (1/7)" in card
    assert "Ответственный: Sergey" in card
    assert "Канал: 🤝 Рекомендация" in card
    assert seller.card_buttons()[0] == "➡️ Квалификация"

    [(title, amount, channel, product, status)] = await rows(
        engine,
        select(DealRow.title, DealRow.amount, DealRow.channel, DealRow.product, DealRow.status),
    )
    assert (title, amount, channel, product, status) == (
        "ООО Ромашка",
        150_000_000,
        "referral",
        "CRM внедрение",
        "open",
    )
    assert [r[0] for r in await rows(engine, select(DealEventRow.kind))] == ["created"]


async def test_usual_pipeline_is_preselected_and_can_be_switched(seller: Person) -> None:
    await seller.send("/new")
    await seller.press("Возврат клиентов")
    assert "«Возврат клиентов»" in seller.text
    await seller.send("Альфа")
    await seller.press("Пропустить")
    await seller.press("Пропустить")
    await seller.press("Пропустить")
    assert "Воронка: Возврат клиентов" in seller.card
    await seller.send("/new")
    assert "Новая сделка в воронке «Возврат клиентов»" in seller.text


async def test_an_existing_client_is_offered_instead_of_a_double(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "ООО Ромашка")
    await seller.send("/new")
    await seller.send("ромашка")
    assert "Нашёл похожих клиентов" in seller.text
    assert seller.buttons() == ["👤 ООО Ромашка", "➕ Новый клиент «ромашка»"]
    await seller.press("👤 ООО Ромашка")
    await seller.send("200к")
    await seller.press("Пропустить")
    await seller.press("Пропустить")
    assert (await rows(engine, select(func.count()).select_from(ClientRow)))[0][0] == 1
    assert [
        r[0] for r in await rows(engine, select(DealRow.is_new_client).order_by(DealRow.id))
    ] == [
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("сто тысяч", "Не понял сумму"),
        ("-5000", "не может быть отрицательной"),
        ("9" * 40, "Слишком большая сумма"),
    ],
)
async def test_a_malformed_amount_is_asked_again(
    seller: Person, engine: AsyncEngine, typed: str, answer: str
) -> None:
    await seller.send("/new")
    await seller.send("Бета")
    await seller.send(typed)
    assert answer in seller.text
    await seller.send("150 000 ₽")
    assert seller.text == "Откуда пришёл клиент?"


async def test_cancel_leaves_the_flow_and_writes_nothing(
    seller: Person, engine: AsyncEngine
) -> None:
    await seller.send("/new")
    await seller.send("Гамма")
    await seller.send("/cancel")
    assert seller.text == "Отменено."
    await seller.send("150000")
    assert "Не понял" in seller.text
    assert await rows(engine, select(DealRow.id)) == []


async def test_a_text_where_a_button_is_expected_gets_a_hint(seller: Person) -> None:
    await seller.send("/new")
    await seller.send("Дельта")
    await seller.send("100")
    await seller.send("с сайта")
    assert "кнопками выше" in seller.text


async def test_an_overlong_client_name_is_refused_and_can_be_retyped(seller: Person) -> None:
    await seller.send("/new")
    await seller.send("Я" * 101)
    assert "Слишком длинно: 101 символ, можно не больше 100 символов" in seller.text
    await seller.send("Эпсилон")
    assert "Сумма сделки?" in seller.text


async def test_next_stage_edits_the_card_in_place_and_records_history(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    await seller.press("➡️ Квалификация")
    edit = seller.bot.last(EditMessageText)
    assert "Этап: Квалификация (2/7)" in str(edit.text)
    assert seller.alert == "Этап: Квалификация"
    assert isinstance(seller.replies[0], AnswerCallbackQuery)  # the press is answered first
    sent = [r.text for r in seller.replies if isinstance(r, SendMessage)]
    assert sent == ["⏭ Следующий шаг по «Ромашка» — когда?"]  # the card itself is not resent
    assert seller.card_buttons()[0] == "➡️ Встреча / презентация"
    events = await rows(
        engine,
        select(DealEventRow.kind, DealEventRow.from_stage_id, DealEventRow.to_stage_id).order_by(
            DealEventRow.id
        ),
    )
    assert [e[0] for e in events] == ["created", "stage"]
    assert events[1][2] == events[1][1] + 1


async def test_choose_any_stage_and_the_same_stage_is_a_no_op(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    await seller.press("🔀 Этап")
    assert "Выберите этап" in seller.text
    await seller.press("Договор")
    assert "Этап: Договор (6/7)" in seller.card
    await seller.press("🔀 Этап")
    await seller.press("• Договор")
    assert seller.alert == "Сделка уже на этапе «Договор»"
    kinds = [r[0] for r in await rows(engine, select(DealEventRow.kind))]
    assert kinds.count("stage") == 1


async def test_won_closes_the_deal_and_a_second_press_changes_nothing(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    message, data = seller.find_button("✅ Успешно")
    await seller.press_data(data, message.message_id)
    assert seller.alert == "🎉 Сделка выиграна!"
    assert "✅ <b>Успешно</b>" in seller.card
    assert "↩️ Вернуть в работу" in seller.card_buttons()
    await seller.press_data(data, message.message_id)
    assert seller.alert == "Сделка уже закрыта. Чтобы изменить её, верните в работу."
    [(status, closed_at)] = await rows(engine, select(DealRow.status, DealRow.closed_at))
    assert status == "won" and closed_at is not None
    kinds = [r[0] for r in await rows(engine, select(DealEventRow.kind))]
    assert kinds == ["created", "won"]


async def test_lost_with_a_listed_reason_and_reopen(seller: Person, engine: AsyncEngine) -> None:
    await create(seller, "Ромашка")
    await seller.press("➡️ Квалификация")
    await seller.press("❌ Проиграно")
    assert "Почему сделка проиграна?" in seller.text
    await seller.press("Дорого")
    assert "❌ <b>Проиграно</b>: Дорого" in seller.card
    await seller.press("↩️ Вернуть в работу")
    assert "Этап: Квалификация" in seller.card
    lost = await rows(
        engine,
        select(DealEventRow.text, DealEventRow.from_stage_id).where(DealEventRow.kind == "lost"),
    )
    stage = await rows(engine, select(StageRow.name).where(StageRow.id == lost[0][1]))
    assert lost[0][0] == "Дорого" and stage[0][0] == "Квалификация"


async def test_lost_with_a_typed_reason(seller: Person, engine: AsyncEngine) -> None:
    await create(seller, "Ромашка")
    await seller.press("❌ Проиграно")
    await seller.press("✍️ Другая причина")
    assert seller.text == "Напишите причину проигрыша одним сообщением."
    await seller.send("Ушли к <конкуренту> & партнёру")
    assert "❌ <b>Проиграно</b>: Ушли к &lt;конкуренту&gt; &amp; партнёру" in seller.card
    [(reason,)] = await rows(engine, select(DealRow.lost_reason_text))
    assert reason == "Ушли к <конкуренту> & партнёру"


async def test_a_note_is_kept_in_the_history(seller: Person) -> None:
    await create(seller, "Ромашка")
    await seller.press("📝 Заметка")
    await seller.send("Перезвонить после обеда")
    assert "Заметка сохранена" in seller.texts[0]
    await seller.press("📜 История")
    assert "📝 Перезвонить после обеда" in seller.text
    assert "Sergey: создал(а) сделку на этапе «Первый контакт»" in seller.text


async def test_a_seller_cannot_touch_a_colleagues_deal(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    message, data = seller.find_button("➡️ Квалификация")
    olga = person(2500, "Olga")
    await join(admin, olga, "менеджер")
    await olga.press_data(data, message.message_id)
    assert olga.alert == "Это вам недоступно."
    assert olga.texts == []  # nothing edited, nothing revealed
    assert [r[0] for r in await rows(engine, select(DealEventRow.kind))] == ["created"]


async def test_a_head_acts_on_any_deal(
    admin: Person, seller: Person, person: Callable[..., Person]
) -> None:
    await create(seller, "Ромашка")
    _, data = seller.find_button("➡️ Квалификация")
    head = person(3000, "Helen")
    await join(admin, head, "руководитель")
    await head.press_data(data, 5)
    assert "Этап: Квалификация" in head.card
    await head.send("/deals")
    assert "Открытые сделки команды" in head.text
    assert "Sergey" in head.text


@pytest.mark.parametrize(
    "data", ["d:m:999999:1", "garbage", "d:zz:1:1", "d:m:abc:1", "nd:p:1", "dl:x:y:z"]
)
async def test_forged_or_stale_buttons_get_a_polite_alert(seller: Person, data: str) -> None:
    await seller.press_data(data)
    assert seller.alert in (
        "Сделка не найдена.",
        "Эта кнопка больше не действует. Откройте нужный раздел заново: /help",
    )


async def test_a_stranger_pressing_a_sellers_button_gets_the_door(
    seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    _, data = seller.find_button("➡️ Квалификация")
    eve = person(9999, "Eve")
    await eve.press_data(data)
    assert "ссылку-приглашение" in str(eve.alert)
    assert [r[0] for r in await rows(engine, select(DealEventRow.kind))] == ["created"]


async def test_two_concurrent_presses_move_the_deal_once(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    message, data = seller.find_button("➡️ Квалификация")
    await asyncio.gather(
        seller.press_data(data, message.message_id), seller.press_data(data, message.message_id)
    )
    kinds = [r[0] for r in await rows(engine, select(DealEventRow.kind))]
    assert kinds.count("stage") == 1
    [(version,)] = await rows(engine, select(DealRow.version))
    assert version == 2


async def test_a_command_or_menu_button_mid_flow_is_not_taken_as_an_answer(
    seller: Person, engine: AsyncEngine
) -> None:
    await seller.send("/new")
    await seller.send("/deals")
    assert "Открытых сделок нет" in seller.text
    await seller.send("/new")
    await seller.send("Омега")
    await seller.send("📋 Сделки")
    assert "Открытых сделок нет" in seller.text
    await seller.send("/new")
    await seller.send("/nonsense")
    assert seller.text == "Такой команды нет. Список команд: /help"
    assert await rows(engine, select(ClientRow.id)) == []


async def test_forged_huge_numbers_are_refused_politely(seller: Person) -> None:
    for data in (
        "d:o:99999999999999999999999:0",
        "t:h:1:99999999999999",
        "ns:1:99999999999999",
        "du:99999999999999",
        "dl:0:0:99999999",
    ):
        await seller.press_data(data)
        assert (
            seller.alert == "Эта кнопка больше не действует. Откройте нужный раздел заново: /help"
        ), data


async def test_a_change_on_an_outdated_card_shows_the_card_as_it_is_now(
    seller: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.deals import SqlDealRepo

    await create(seller, "Ромашка")

    async def someone_was_faster(self: SqlDealRepo, change: Any) -> bool:
        return False

    monkeypatch.setattr(SqlDealRepo, "apply", someone_was_faster)
    await seller.press("➡️ Квалификация")
    assert seller.alert == "Сделку только что изменили. Вот её актуальная карточка."
    assert "Этап: Первый контакт (1/7)" in seller.card


async def test_a_bare_slash_is_answered_like_any_unknown_command(seller: Person) -> None:
    for typed in ("/", "/ ", "/  help"):
        await seller.send(typed)
        assert seller.text == "Такой команды нет. Список команд: /help"
    await seller.send("/new")
    await seller.send("/")
    assert seller.text == "Такой команды нет. Список команд: /help"
