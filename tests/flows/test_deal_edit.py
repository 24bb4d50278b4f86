"""A seller corrects a deal from its card: amount, title, close date, channel; bad input and
outdated or forged buttons change nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import DealEventRow, DealRow
from tests.conftest import FakeClock
from tests.flows.conftest import join
from tests.flows.harness import Person, said
from tests.flows.test_deals import create, rows

MOSCOW = ZoneInfo("Europe/Moscow")


async def edit(seller: Person, field_key: str, typed: str) -> None:
    lang = said.of(seller.lang)
    await seller.press(lang("card.btn.edit"))
    await seller.press(lang(field_key))
    await seller.send(typed)


async def deal_row(engine: AsyncEngine) -> tuple[str, int, datetime | None, int]:
    [row] = await rows(
        engine, select(DealRow.title, DealRow.amount, DealRow.expected_close_at, DealRow.version)
    )
    return row[0], row[1], row[2], row[3]


async def edits(engine: AsyncEngine) -> list[tuple[str, str | None, str | None]]:
    found = await rows(
        engine,
        select(DealEventRow.field, DealEventRow.old_value, DealEventRow.new_value)
        .where(DealEventRow.kind == "edit")
        .order_by(DealEventRow.id),
    )
    return [tuple(r) for r in found]


async def test_a_seller_edits_amount_title_and_close_date_from_the_card(
    seller: Person, engine: AsyncEngine, clock: FakeClock
) -> None:
    await create(seller, "ООО Ромашка", "100000")
    await seller.press(said("card.btn.edit"))
    assert said("edit.choose_field") in seller.text
    assert seller.buttons(of="💼")[:6] == [
        said(f"field.{k}") for k in ("amount", "title", "product", "channel", "region", "close")
    ]
    await seller.press(said("field.amount"))
    current = "100\u00a0000\u00a0₽"
    hint = said("edit.hint.money")
    assert seller.text == said("edit.ask", field=said("field.amount"), current=current, hint=hint)
    await seller.send("150к")
    assert seller.texts[0] == said("edit.saved", field=said("field.amount"))
    assert "150\u00a0000\u00a0₽" in seller.card

    await edit(seller, "field.title", "  ООО   Ромашка Плюс ")
    assert "💼 <b>ООО Ромашка Плюс</b>" in seller.card

    await edit(seller, "field.close", "через 2 недели")
    today = clock().astimezone(MOSCOW).date()
    close = datetime.fromordinal(today.toordinal() + 14).strftime("%d.%m.%Y")
    assert said("card.close_date", date=close) in seller.card

    title, amount, close_at, version = await deal_row(engine)
    assert (title, amount, version) == ("ООО Ромашка Плюс", 15_000_000, 4)
    assert close_at is not None and close_at.astimezone(MOSCOW).strftime("%d.%m.%Y") == close
    assert [e[:2] for e in await edits(engine)] == [
        ("amount", "10000000"),
        ("title", "ООО Ромашка"),
        ("close", None),
    ]
    await seller.press(said("card.btn.history"))
    amount_row = said(
        "history.edit", field=said("field.amount"), before=current, after="150\u00a0000\u00a0₽"
    )
    assert amount_row in seller.text


async def test_a_channel_is_chosen_by_a_button_and_can_be_cleared(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    await seller.press(said("card.btn.edit"))
    await seller.press(said("field.channel"))
    await seller.press(said("channel.webinars"))
    assert seller.alert == said("edit.saved", field=said("field.channel"))
    assert said("card.channel", channel=said("channel.webinars")) in seller.card
    await seller.press(said("card.btn.edit"))
    await seller.press(said("field.channel"))
    await seller.press(said("edit.btn.clear"))
    assert said.part("card.channel") not in seller.card
    assert await edits(engine) == [("channel", None, "webinars"), ("channel", "webinars", None)]


async def test_a_bad_amount_is_asked_again_then_a_good_one_is_taken(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка", "100000")
    await seller.press(said("card.btn.edit"))
    await seller.press(said("field.amount"))
    await seller.send("много")
    assert seller.texts == [said("amount.format")]
    assert await edits(engine) == []
    await seller.send("200 000")
    assert "200\u00a0000\u00a0₽" in seller.card
    assert await edits(engine) == [("amount", "10000000", "20000000")]


async def test_a_close_date_in_the_past_or_a_too_long_title_is_refused(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка")
    await edit(seller, "field.close", "01.01.2020")
    assert seller.texts == [said("edit.date_past")]
    await seller.send("когда-нибудь")
    assert seller.texts == [said("edit.date_format")]
    await seller.send("22.11")  # the day before the clock's Monday
    assert seller.texts == [said("edit.date_past")]
    await seller.send("/deals")  # leaves the step
    await seller.press("Ромашка")
    await edit(seller, "field.title", "я" * 101)
    assert seller.texts == [
        said("error.text_too_long", limit=said.n("chars", 100), length=said.n("chars", 101))
    ]
    assert await edits(engine) == []


async def test_the_same_value_again_changes_nothing(seller: Person, engine: AsyncEngine) -> None:
    await create(seller, "Ромашка", "100000")
    await edit(seller, "field.amount", "100 000")
    assert seller.texts[0] == said("edit.unchanged")
    assert await edits(engine) == [] and (await deal_row(engine))[3] == 1


async def test_a_forged_edit_of_a_colleagues_deal_is_refused(
    admin: Person, seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка", "100000")
    olga = person(2500, "Olga")
    await join(admin, olga, said("role.seller"))
    for data in ("de:1:1", "df:1:1:amount", "dv:1:1:channel:0"):
        await olga.press_data(data)
        assert olga.alert == said("error.access_denied"), data
        assert olga.texts == []
    await olga.send("1")  # no typing step was opened
    assert await edits(engine) == [] and (await deal_row(engine))[3] == 1


@pytest.mark.parametrize("data", ["df:1:1:owner", "dv:1:1:channel:99", "dv:1:1:title:-1"])
async def test_a_forged_field_or_value_is_refused_politely(
    seller: Person, engine: AsyncEngine, data: str
) -> None:
    await create(seller, "Ромашка")
    await seller.press_data(data)
    assert seller.alert in (said("error.stale_button"), said("edit.choose"))
    assert await edits(engine) == []


async def test_an_edit_after_the_deal_moved_meanwhile_is_refused(
    seller: Person, engine: AsyncEngine
) -> None:
    await create(seller, "Ромашка", "100000")
    message, data = seller.find_button(said("card.btn.next", stage="Квалификация"))
    await seller.press(said("card.btn.edit"))
    await seller.press(said("field.amount"))
    # The card's "next stage" is pressed (on another phone, say) before the amount is typed.
    await seller.press_data(data, message.message_id)
    await seller.send("150к")
    assert seller.texts[0] == said("error.stale_action")
    assert said.part("card.stage", stage="Квалификация") in seller.card
    assert await edits(engine) == []
    assert (await deal_row(engine))[1] == 10_000_000
    # An old menu pressed again shows the card as it is now.
    await seller.press_data("df:1:1:amount", message.message_id)
    assert seller.alert == said("error.stale_action")


@pytest.mark.parametrize("team_language", ["en"], indirect=True)
async def test_an_english_seller_edits_a_deal(
    admin: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    en = said.of("en")
    admin.lang = "en"
    seller = person(2000, "Sam", "en")
    await join(admin, seller, en("role.seller"))
    await create(seller, "Acme", "100000")
    await seller.press("✏️ Edit")
    await seller.press(en("field.region"))
    assert en("edit.hint.text") in seller.text
    await seller.send("Kazan")
    assert seller.texts[0] == en("edit.saved", field=en("field.region"))
    assert en("card.region", region="Kazan") in seller.card
    await seller.press(en("card.btn.edit"))
    await seller.press(en("field.amount"))
    await seller.send("lots")
    assert seller.texts == [en("amount.format")]
    await seller.send("150k")
    await seller.press(en("card.btn.history"))
    assert en("history.edit", field=en("field.region"), before="—", after="Kazan") in seller.text
    assert await edits(engine) == [("region", None, "Kazan"), ("amount", "10000000", "15000000")]
