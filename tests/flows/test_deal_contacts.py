"""A deal's client and contact person from the card's ✏️, and contact cards shared with the
bot: rename or relink the client, add a person typed or shared, no duplicate clients; the
survey greets the person by name. Bad input and outdated or forged buttons change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiogram.types import Contact
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import ClientRow, ContactRow, DealEventRow, DealRow
from tests.flows.conftest import join
from tests.flows.harness import Person, Said, said
from tests.flows.test_deals import create, rows

CARD_USER = 777_001  # the Telegram account of the client's person on a shared card


@pytest.fixture(params=["ru", "en"])
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def team_language(lang: str) -> str:
    return lang


@pytest.fixture
async def seller(admin: Person, person: Callable[..., Person], lang: str) -> Person:
    admin.lang = lang
    newcomer = person(2000, "Sergey", lang)
    await join(admin, newcomer, said.of(lang)("role.seller"))
    return newcomer


def say(seller: Person) -> Said:
    return said.of(seller.lang)


async def people_edits(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    found = await rows(
        engine,
        select(
            DealEventRow.deal_id, DealEventRow.field, DealEventRow.old_value, DealEventRow.new_value
        )
        .where(DealEventRow.kind == "edit")
        .order_by(DealEventRow.id),
    )
    return [tuple(r) for r in found]


async def deal_links(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    found = await rows(
        engine, select(DealRow.id, DealRow.client_id, DealRow.contact_id).order_by(DealRow.id)
    )
    return [tuple(r) for r in found]


async def contacts(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    found = await rows(
        engine,
        select(ContactRow.client_id, ContactRow.name, ContactRow.phone, ContactRow.tg_id).order_by(
            ContactRow.id
        ),
    )
    return [tuple(r) for r in found]


def card(
    first: str, phone: str, user_id: int | None = CARD_USER, last: str | None = None
) -> Contact:
    return Contact(phone_number=phone, first_name=first, last_name=last, user_id=user_id)


async def open_field(seller: Person, field: str) -> None:
    await seller.press(say(seller)("card.btn.edit"))
    await seller.press(say(seller)(f"field.{field}"))


async def test_a_seller_renames_the_client_then_moves_the_deal_to_another_client(
    seller: Person, engine: AsyncEngine
) -> None:
    s = say(seller)
    await create(seller, "Лютик", "50000")
    await create(seller, "Ромашка", "100000")
    await open_field(seller, "client")
    assert seller.text == s("people.ask_client", current="Ромашка")
    await seller.send("Ромашка Плюс")
    assert seller.texts[0] == s("edit.saved", field=s("field.client"))
    assert s("card.client", client="Ромашка Плюс") in seller.card

    await open_field(seller, "client")
    await seller.send("лют")
    assert seller.text == s("people.client_matches")
    assert seller.buttons()[:2] == ["👤 Лютик", s("people.btn.rename", name="лют")]
    await seller.press("👤 Лютик")
    assert s("card.client", client="Лютик") in seller.card
    assert seller.alert == s("edit.saved", field=s("field.client"))

    assert await deal_links(engine) == [(1, 1, None), (2, 1, None)]
    names = await rows(engine, select(ClientRow.company).order_by(ClientRow.id))
    assert [n for (n,) in names] == ["Лютик", "Ромашка Плюс"]  # renamed, not doubled
    assert await people_edits(engine) == [
        (2, "client", "Ромашка", "Ромашка Плюс"),
        (2, "client", "Ромашка Плюс", "Лютик"),
    ]
    await seller.press(s("card.btn.history"))
    edit = s("history.edit", field=s("field.client"), before="Ромашка Плюс", after="Лютик")
    assert edit in seller.text


async def test_a_seller_adds_contact_persons_typed_and_shared_and_switches_between_them(
    seller: Person, engine: AsyncEngine
) -> None:
    s = say(seller)
    await create(seller, "Ромашка", "100000")
    await open_field(seller, "contact")
    assert seller.text == s("people.ask_contact", current="—")
    await seller.send("Иван Петров 8 (916) 123-45-67")
    assert seller.texts[0] == s("edit.saved", field=s("field.contact"))
    assert s("card.contact", contact="Иван Петров · +79161234567") in seller.card

    await open_field(seller, "contact")
    await seller.send_message(contact=card("Мария", "79005553535", last="Котова"))
    assert s("card.contact", contact="Мария Котова · +79005553535") in seller.card

    await open_field(seller, "contact")
    assert seller.buttons() == [
        "👤 Иван Петров · +79161234567",
        "✓ 👤 Мария Котова · +79005553535",
        s("people.btn.nobody"),
        s("btn.back"),
    ]
    await seller.press("👤 Иван Петров")
    assert s("card.contact", contact="Иван Петров · +79161234567") in seller.card
    # The same person typed again is the contact the client has, not a second one.
    await open_field(seller, "contact")
    await seller.send("+7 916 123 45 67")
    assert seller.texts[0] == s("edit.unchanged")

    assert await contacts(engine) == [
        (1, "Иван Петров", "+79161234567", None),
        (1, "Мария Котова", "+79005553535", CARD_USER),
    ]
    assert await deal_links(engine) == [(1, 1, 1)]
    assert [e[1:] for e in await people_edits(engine)] == [
        ("contact", None, "Иван Петров · +79161234567"),
        ("contact", "Иван Петров · +79161234567", "Мария Котова · +79005553535"),
        ("contact", "Мария Котова · +79005553535", "Иван Петров · +79161234567"),
    ]


async def test_bad_contacts_and_the_sellers_own_card_are_refused_and_change_nothing(
    seller: Person, engine: AsyncEngine
) -> None:
    s = say(seller)
    await create(seller, "Ромашка", "100000")
    await open_field(seller, "contact")
    for typed in ("12345", "Иван 12"):
        await seller.send(typed)
        assert seller.texts == [s("contact.invalid")], typed
    own = card(seller.name, "+79990001122", user_id=seller.tg_id)
    await seller.send_message(contact=own)
    assert seller.texts == [s("contact.own_card")]
    await seller.send("Иван")  # still in the step after each refusal
    assert s("card.contact", contact="Иван") in seller.card
    # Outside any step too, the seller's own card is refused.
    await seller.send_message(contact=own)
    assert seller.texts == [s("contact.own_card")]
    assert await contacts(engine) == [(1, "Иван", None, None)]
    assert len(await people_edits(engine)) == 1


async def test_forged_and_outdated_people_buttons_change_nothing(
    seller: Person, person: Callable[..., Person], admin: Person, engine: AsyncEngine
) -> None:
    s = say(seller)
    await create(seller, "Лютик", "50000")
    await create(seller, "Ромашка", "100000")
    await open_field(seller, "contact")
    await seller.send("Иван")  # deal 2 is at version 2 now
    await seller.press_data("dcc:2:2:999")  # no such contact
    assert seller.alert == s("contact.not_found")
    await seller.press_data("dcp:2:1:1")  # a relink pressed on the card before the contact
    assert seller.alert == s("error.stale_action")
    await seller.press_data("dcp:2:2:0")  # "rename" with no name typed
    assert seller.alert == s("error.stale_button")
    await seller.press_data("dcp:2:2:99")
    assert seller.alert == s("contact.client_not_found")
    olga = person(2001, "Olga", seller.lang)
    await join(admin, olga, s("role.seller"))
    for data in ("dp:2:2:c", "dcp:2:2:1", "dcc:2:2:1"):
        await olga.press_data(data)
        assert olga.alert == s("error.access_denied"), data
    assert await deal_links(engine) == [(1, 1, None), (2, 2, 1)]
    assert len(await people_edits(engine)) == 1


async def test_a_shared_contact_card_goes_to_a_deal_chosen_and_a_known_phone_finds_its_deal(
    seller: Person, engine: AsyncEngine
) -> None:
    s = say(seller)
    await create(seller, "Лютик", "50000")
    await create(seller, "Ромашка", "100000")
    await seller.send_message(contact=card("Иван", "+7 916 123-45-67"))
    assert seller.text == s("inbox.contact_where", contact="Иван · +79161234567")
    assert seller.buttons() == ["📎 Ромашка", "📎 Лютик", s("inbox.btn.new_deal")]
    await seller.press("📎 Лютик")
    assert s("card.contact", contact="Иван · +79161234567") in seller.card
    # The same person's card again, the phone written otherwise: their deal comes first.
    await seller.send_message(contact=card("Ivan P", "89161234567", user_id=None))
    assert seller.buttons()[0] == "📎 Лютик"
    assert await contacts(engine) == [(1, "Иван", "+79161234567", CARD_USER)]
    assert await deal_links(engine) == [(1, 1, 1), (2, 2, None)]


async def test_a_new_deal_for_a_known_person_is_offered_their_client_instead_of_a_duplicate(
    seller: Person, engine: AsyncEngine
) -> None:
    s = say(seller)
    await create(seller, "Ромашка", "100000")
    await open_field(seller, "contact")
    await seller.send("Иван +79161234567")
    await seller.send_message(contact=card("Иван Петров", "89161234567"))
    await seller.press(s("inbox.btn.new_deal"))
    assert seller.text == s("inbox.which_client", name="Иван Петров")
    assert seller.buttons() == ["👤 Ромашка", s("inbox.btn.new_client", name="Иван Петров")]
    await seller.press("👤 Ромашка")
    assert "💼 <b>Ромашка</b>" in seller.card
    clients = await rows(engine, select(ClientRow.company))
    assert clients == [("Ромашка",)]
    assert await deal_links(engine) == [(1, 1, 1), (2, 1, 1)]
    # A person nobody knows: a new client named after them, at once.
    await seller.send_message(contact=card("Олег", "+74951112233", user_id=None))
    await seller.press(s("inbox.btn.new_deal"))
    assert "💼 <b>Олег</b>" in seller.card
    assert s("card.contact", contact="Олег · +74951112233") in seller.card
    assert len(await rows(engine, select(ClientRow.id))) == 2


async def test_the_survey_greets_the_deals_contact_person_by_name(
    seller: Person, person: Callable[..., Person], engine: AsyncEngine
) -> None:
    s = say(seller)
    await create(seller, "Ромашка", "100000")
    await open_field(seller, "contact")
    await seller.send("Иван Петров")
    await seller.press(s("card.btn.won"))
    await seller.press(s("feedback.btn.ask"))
    token = seller.texts[-1].split("?start=")[1]
    client = person(5000, "Пётр", seller.lang)
    await client.send(f"/start {token}")
    assert said.of(seller.lang)("survey.hello", name="Иван Петров") in client.text
