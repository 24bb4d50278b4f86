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
from tests.flows.harness import Person, said


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


K100, K200 = "100\u00a0000\u00a0₽", "200\u00a0000\u00a0₽"  # as the bot formats amounts


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
    assert said("deals.title", count=10, page=1, pages=2) in text
    assert "<b>Новые клиенты · Первый контакт</b>" in text
    assert "Встреча" not in text  # the moved deal sorts after the eight in first contact
    assert (
        said.part("deals.row", n=1, title="Клиент 01", amount=K200, days=said.n("days", 0)) in text
    )
    assert "▶️" in seller.buttons()
    await seller.press("▶️")
    assert said("deals.title", count=10, page=2, pages=2) in seller.text
    page2 = seller.text
    assert page2.index("Первый контакт") < page2.index("<b>Новые клиенты · Встреча / презентация")
    assert said.part("deals.row", n=10, title="Клиент 00") in page2
    assert "◀️" in seller.buttons()
    await seller.press("Клиент 00")
    assert "💼 <b>Клиент 00</b>" in seller.card
    await seller.press(said("btn.back"))
    assert said.part("deals.title") in seller.text


async def test_filter_by_pipeline_and_stalled(
    seller: Person, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await seed(uow_factory, seller.tg_id, ["Старый"], clock)
    clock.advance(days=3)
    await seed(uow_factory, seller.tg_id, ["Возвратный"], clock, pipeline_index=2)
    await seller.send("/deals")
    assert "Старый" in seller.text and "Возвратный" in seller.text
    old = said.part(
        "deals.row", title="Старый", amount=K100, days=said.n("days", 3), owner="", flag=" ⚠️"
    )
    assert old in seller.text  # first contact: 2 days
    await seller.press("Возврат клиентов")
    assert "Старый" not in seller.text and "Возвратный" in seller.text
    await seller.press(said("deals.all"))
    await seller.press(said("deals.stalled"))
    assert "Старый" in seller.text and "Возвратный" not in seller.text
    await seller.press("Возврат клиентов")
    assert seller.text == said("deals.empty_stalled")


async def test_a_seller_sees_only_their_own_deals(
    admin: Person,
    seller: Person,
    person: Callable[..., Person],
    uow_factory: SqlUnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    from tests.flows.conftest import join

    olga = person(2600, "Olga")
    await join(admin, olga, said("role.seller"))
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
    await seller.press(said("card.btn.won"))
    await seller.send(said("menu.find"))
    assert said("find.ask") in seller.text
    await seller.send("ёлк")
    days = said.n("days", 0)
    found = said.part("deals.row", title="ООО «Ёлка»", amount=K100, days=days, owner="", flag=" ✅")
    assert found in seller.text
    await seller.send("/find 100%_")
    assert seller.text == said("find.nothing")


async def test_an_empty_pipeline_says_how_to_start(seller: Person) -> None:
    await seller.send(said("menu.deals"))
    assert seller.text == said("deals.empty")


async def test_list_buttons_edit_the_list_in_place(
    seller: Person, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock, engine: AsyncEngine
) -> None:
    await seed(uow_factory, seller.tg_id, ["Альфа"], clock)
    await seller.send("/deals")
    await seller.press(said("deals.stalled"))
    assert isinstance(seller.replies[-1], EditMessageText)


async def test_a_broad_search_says_only_the_first_results_are_shown(
    seller: Person, uow_factory: SqlUnitOfWorkFactory, clock: FakeClock
) -> None:
    await seed(uow_factory, seller.tg_id, [f"Альфа {i:02}" for i in range(11)], clock)
    await seller.send("/find альфа")
    assert seller.text.startswith(said("find.title", count=11))
    assert seller.text.endswith(said("find.first_only", shown=8))
    assert len(seller.buttons()) == 8
