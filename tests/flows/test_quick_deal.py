"""A deal in one message (`/new ООО Ромашка 150к`, or the same after ➕), in both languages:
the updates a seller sends are counted from the reply keyboard to the card."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiogram.methods import DeleteMessage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import ClientRow, DealRow, SettingRow
from tests.flows.conftest import join
from tests.flows.harness import Person, Said, said

PIPELINE = {"ru": "Новые клиенты", "en": "New clients"}


@pytest.fixture(params=["ru", "en"])
def team_language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def seller(admin: Person, person: Callable[..., Person], team_language: str) -> Person:
    newcomer = person(2000, "Sergey", team_language)
    await join(admin, newcomer, said("role.seller"))
    return newcomer


class Counted:
    """A seller whose every update (a message typed, a button pressed) is counted."""

    def __init__(self, seller: Person) -> None:
        self.seller, self.updates = seller, 0

    async def send(self, text: str) -> None:
        self.updates += 1
        await self.seller.send(text)

    async def press(self, label: str) -> None:
        self.updates += 1
        await self.seller.press(label)


def s(seller: Person) -> Said:
    return said.of(seller.lang)


async def rows(engine: AsyncEngine, stmt: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(stmt)).all())


async def deals(engine: AsyncEngine) -> list[tuple[str, int | None, str | None, bool]]:
    stmt = select(DealRow.title, DealRow.amount, DealRow.channel, DealRow.is_new_client)
    return [tuple(r) for r in await rows(engine, stmt.order_by(DealRow.id))]


async def test_from_the_menu_to_the_card_in_three_updates(
    seller: Person, engine: AsyncEngine
) -> None:
    t, me = s(seller), Counted(seller)
    await me.send(t("menu.new_deal"))
    assert t("quick.ask", pipeline=PIPELINE[seller.lang]) == seller.text
    await me.send("ООО Ромашка 150к")
    assert seller.text.startswith("🆕 <b>ООО Ромашка</b>")
    assert t("quick.btn.create") in seller.buttons()
    await me.press(t("quick.btn.create"))
    card = seller.card
    assert "💼 <b>ООО Ромашка</b>" in card
    assert t("card.pipeline", pipeline=PIPELINE[seller.lang]) in card
    assert me.updates == 3
    assert "150" in card and t("deal.no_amount") not in card
    assert await deals(engine) == [("ООО Ромашка", 15_000_000, None, True)]
    assert seller.text == t("task.next_step_ask", deal="ООО Ромашка")  # the next step, at once


async def test_slash_new_with_the_line_and_an_exact_client_asks_nothing_about_the_client(
    seller: Person, engine: AsyncEngine
) -> None:
    t = s(seller)
    await seller.send("/new ООО Ромашка 150к")
    await seller.press(t("quick.btn.create"))
    me = Counted(seller)
    await me.send("/new ооо  ромашка 200 000")  # the same client, typed differently
    assert t("new.client_matches") not in seller.texts
    await me.press(t("quick.btn.create"))
    assert "💼 <b>ООО Ромашка</b>" in seller.card
    assert me.updates == 2
    assert (await rows(engine, select(func.count()).select_from(ClientRow)))[0][0] == 1
    assert [d[3] for d in await deals(engine)] == [True, False]  # the second: a current client


async def test_a_similar_client_is_offered_and_a_channel_and_product_taken_in_the_step(
    seller: Person, engine: AsyncEngine
) -> None:
    t = s(seller)
    await seller.send("/new ООО Ромашка 150к")
    await seller.press(t("quick.btn.create"))
    await seller.send("/new Ромашка 90к")
    assert seller.text == t("new.client_matches")
    await seller.press("👤 ООО Ромашка")
    await seller.press(t("channel.referral"))
    assert seller.alert == t("quick.channel_toast", channel=t("channel.referral"))
    assert "✓ " + t("channel.referral") in seller.buttons()
    await seller.send("CRM")
    assert t("card.product", product="CRM") in seller.card
    assert t("card.channel", channel=t("channel.referral")) in seller.card
    assert (await deals(engine))[1] == ("ООО Ромашка", 9_000_000, "referral", False)


async def test_a_seller_who_chose_so_gets_the_card_at_once_and_can_change_their_mind(
    seller: Person, engine: AsyncEngine
) -> None:
    t = s(seller)
    await seller.send("/new Альфа 10к")
    await seller.press(t("quick.btn.never"))
    assert seller.alert == t("quick.pref.skipped_toast")
    assert "💼 <b>Альфа</b>" in seller.card
    me = Counted(seller)
    await me.send(t("menu.new_deal"))
    assert t("quick.pref.skipped") in seller.buttons()
    await me.send("Бета 20к")
    assert "💼 <b>Бета</b>" in seller.card
    assert me.updates == 2
    await seller.send("/new")
    await seller.press(t("quick.pref.skipped"))
    assert seller.alert == t("quick.pref.asked_toast")
    assert t("quick.pref.asked") in seller.buttons()
    await seller.send("Гамма 30к")
    assert seller.text.startswith("🆕 <b>Гамма</b>")
    assert len(await deals(engine)) == 2
    keys = [r[0] for r in await rows(engine, select(SettingRow.key))]
    assert not [k for k in keys if "skip_deal_details" in k]


async def test_a_line_without_an_amount_asks_for_it_and_much_is_not_an_amount(
    seller: Person, engine: AsyncEngine
) -> None:
    t = s(seller)
    await seller.send(t("menu.new_deal"))
    await seller.send("Бета")
    assert seller.text == t("new.ask_amount")
    await seller.send("много" if seller.lang == "ru" else "a lot")
    assert seller.text == t("amount.format")
    assert await deals(engine) == []
    await seller.send("150 000 ₽")
    await seller.press(t("quick.btn.create"))
    assert await deals(engine) == [("Бета", 15_000_000, None, True)]


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("Бета -5000", "amount.negative"),
        ("Бета 150кк", "amount.format"),
        ("Бета " + "9" * 30, "amount.too_large"),
    ],
)
async def test_a_mistyped_amount_in_the_line_is_said_and_nothing_is_created(
    seller: Person, engine: AsyncEngine, line: str, key: str
) -> None:
    t = s(seller)
    await seller.send(f"/new {line}")
    assert seller.text == t(key)
    await seller.send(t("menu.new_deal"))
    await seller.send(line)
    assert seller.text == t(key)
    assert await deals(engine) == []
    assert (await rows(engine, select(func.count()).select_from(ClientRow)))[0][0] == 0


async def test_a_second_press_on_create_now_makes_one_deal(
    seller: Person, engine: AsyncEngine
) -> None:
    t = s(seller)
    await seller.send("/new Альфа 10к")
    message, data = seller.find_button(t("quick.btn.create"))
    await seller.press_data(data, message.message_id)
    await seller.press_data(data, message.message_id)
    assert seller.alert == t("error.stale_button")
    assert len(await deals(engine)) == 1


async def test_creating_then_moving_leaves_one_live_next_step_prompt(
    seller: Person, engine: AsyncEngine
) -> None:
    t = s(seller)
    await seller.send("/new Альфа 10к")
    await seller.press(t("quick.btn.create"))
    first, _ = seller.find_button(t("when.tomorrow_10"))
    stage = "Квалификация" if seller.lang == "ru" else "Qualification"
    await seller.press(t("card.btn.next", stage=stage))
    deleted = [r.message_id for r in seller.replies if isinstance(r, DeleteMessage)]
    assert deleted == [first.message_id]
    assert seller.card.endswith(t("task.next_step_ask", deal="Альфа"))  # the card asks now


async def test_the_choice_is_the_sellers_own(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    t = s(seller)
    await seller.send("/new Альфа 10к")
    await seller.press(t("quick.btn.never"))
    other = person(2001, "Olga", seller.lang)
    await join(admin, other, said("role.seller"))
    await other.send("/new Бета 20к")
    assert other.text.startswith("🆕 <b>Бета</b>")  # still asked
    me = Counted(seller)
    await me.send("/new Гамма 30к")
    assert "💼 <b>Гамма</b>" in seller.card
    assert me.updates == 1
