"""`/deals` and `/find`: the seller's pipeline on one screen, a page at a time."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.methods import EditMessageText
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import DealId, TelegramId
from bot.domain.models import Channel, NewDealInput
from bot.services.deals import create_deal, move_deal, pipelines_for
from storage.uow import SqlUnitOfWorkFactory
from tests.conftest import FakeClock
from tests.flows.harness import Person


async def seed(
    uow_factory: SqlUnitOfWorkFactory,
    tg_id: int,
    names: list[str],
    clock: FakeClock,
    pipeline_index: int = 0,
) -> list[DealId]:
    ids = []
    async with uow_factory() as uow:
        user = await uow.users.by_tg(TelegramId(tg_id))
        assert user is not None
        pipelines, _ = await pipelines_for(uow, user)
        for i, name in enumerate(names):
            view = await create_deal(
                uow,
                user,
                NewDealInput(
                    pipeline_id=pipelines[pipeline_index].id,
                    client_name=name,
                    amount=(i + 1) * 100_000_00,
                    channel=Channel.CALLS,
                ),
                clock(),
            )
            ids.append(view.deal.id)
    return ids


async def test_deals_are_grouped_by_stage_and_paginated(
    seller: Person, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    ids = await seed(uow_factory, seller.tg_id, [f"Клиент {i:02}" for i in range(10)], clock)
    async with uow_factory() as uow:
        user = await uow.users.by_tg(TelegramId(seller.tg_id))
        assert user is not None
        pipeline = (await pipelines_for(uow, user))[0][0]
        await move_deal(uow, user, ids[0], pipeline.stages[2].id, clock())
    await seller.send("/deals")
    text = seller.text
    assert "Мои открытые сделки</b>: 10 · стр. 1/2" in text
    assert "<b>Новые клиенты · Первый контакт</b>" in text
    assert "Встреча" not in text  # the moved deal sorts after the eight in first contact
    assert "1. Клиент 01 — 200\u00a0000\u00a0₽ · 0 дней" in text
    assert "▶️" in seller.buttons()
    await seller.press("▶️")
    assert "стр. 2/2" in seller.text
    page2 = seller.text
    assert page2.index("Первый контакт") < page2.index("<b>Новые клиенты · Встреча / презентация")
    assert "10. Клиент 00" in page2
    assert "◀️" in seller.buttons()
    await seller.press("Клиент 00")
    assert "💼 <b>Клиент 00</b>" in seller.card
    await seller.press("◀️ Назад")
    assert "Мои открытые сделки" in seller.text


async def test_filter_by_pipeline_and_stalled(
    seller: Person, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await seed(uow_factory, seller.tg_id, ["Старый"], clock)
    clock.advance(days=3)
    await seed(uow_factory, seller.tg_id, ["Возвратный"], clock, pipeline_index=2)
    await seller.send("/deals")
    assert "Старый" in seller.text and "Возвратный" in seller.text
    assert "Старый — 100\u00a0000\u00a0₽ · 3 дня ⚠️" in seller.text  # first contact: 2 days
    await seller.press("Возврат клиентов")
    assert "Старый" not in seller.text and "Возвратный" in seller.text
    await seller.press("Все воронки")
    await seller.press("Только застрявшие")
    assert "Старый" in seller.text and "Возвратный" not in seller.text
    await seller.press("Возврат клиентов")
    assert seller.text == "Застрявших сделок нет 👍"


async def test_a_seller_sees_only_their_own_deals(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    uow_factory: SqlUnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    from tests.flows.conftest import join

    olga = person(2600, "Olga")
    await join(admin, olga, "менеджер")
    await seed(uow_factory, seller.tg_id, ["Моя сделка"], clock)
    await seed(uow_factory, olga.tg_id, ["Чужая сделка"], clock)
    await seller.send("/deals")
    assert "Моя сделка" in seller.text and "Чужая сделка" not in seller.text
    await seller.send("/find сделка")
    assert "Моя сделка" in seller.text and "Чужая сделка" not in seller.text


async def test_find_is_case_insensitive_in_cyrillic_and_finds_closed_deals(
    seller: Person, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await seed(uow_factory, seller.tg_id, ["ООО «Ёлка»", "ИП Петров"], clock)
    await seller.send("/find ЕЛКА")
    assert "ООО «Ёлка»" in seller.text and "Петров" not in seller.text
    await seller.press("ООО «Ёлка»")
    await seller.press("✅ Успешно")
    await seller.send("🔎 Поиск")
    assert "Что найти?" in seller.text
    await seller.send("ёлк")
    assert "ООО «Ёлка» — 100\u00a0000\u00a0₽ · 0 дней ✅" in seller.text
    await seller.send("/find 100%_")
    assert seller.text == "Ничего не нашёл. Попробуйте другую часть названия."


async def test_an_empty_pipeline_says_how_to_start(seller: Person) -> None:
    await seller.send("📋 Сделки")
    assert seller.text == "Открытых сделок нет. Создайте сделку кнопкой ➕ Сделка."


async def test_list_buttons_edit_the_list_in_place(
    seller: Person, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock, engine: AsyncEngine
) -> None:
    await seed(uow_factory, seller.tg_id, ["Альфа"], clock)
    await seller.send("/deals")
    await seller.press("Только застрявшие")
    assert isinstance(seller.replies[-1], EditMessageText)


async def test_a_broad_search_says_only_the_first_results_are_shown(
    seller: Person, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await seed(uow_factory, seller.tg_id, [f"Альфа {i:02}" for i in range(11)], clock)
    await seller.send("/find альфа")
    assert seller.text.startswith("🔎 <b>Найдено</b>: 11")
    assert seller.text.endswith("Показаны первые 8: уточните запрос, чтобы увидеть остальные.")
    assert len(seller.buttons()) == 8
