"""What a seller brings into a deal from Telegram: a client's forwarded message (to the
author's deal first, or a new deal with them), and voice notes, photos, documents and videos
kept in the history by their file id and sent again from it. Forged or foreign buttons, a
hidden author and an empty forward get a clear answer and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import GetFile, SendDocument, SendPhoto, SendVideo, SendVoice
from aiogram.types import (
    Contact,
    Document,
    MessageOriginHiddenUser,
    MessageOriginUser,
    PhotoSize,
    User,
    Video,
    Voice,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import ContactRow, DealEventRow, DealRow
from tests.conftest import FakeClock
from tests.flows.conftest import join
from tests.flows.harness import Person, Said, said
from tests.flows.test_deals import create, rows
from tests.mocked_bot import MockedBot

MOSCOW = ZoneInfo("Europe/Moscow")
IVAN = 777_001  # the client's person's Telegram account
MB = 1024 * 1024


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


def from_ivan(at: datetime, username: str | None = None) -> MessageOriginUser:
    user = User(id=IVAN, is_bot=False, first_name="Иван", last_name="Петров", username=username)
    return MessageOriginUser(date=at, sender_user=user)


async def notes(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    found = await rows(
        engine,
        select(
            DealEventRow.deal_id,
            DealEventRow.kind,
            DealEventRow.text,
            DealEventRow.origin_name,
            DealEventRow.origin_at,
            DealEventRow.file_kind,
            DealEventRow.file_id,
        )
        .where(DealEventRow.kind.in_(["note", "file"]))
        .order_by(DealEventRow.id),
    )
    return [tuple(r) for r in found]


async def with_ivan(seller: Person) -> None:
    """Two deals; Ромашка's contact person is Иван, shared from his Telegram card."""
    s = say(seller)
    await create(seller, "Ромашка", "100000")
    await create(seller, "Лютик", "50000")
    await seller.press(s("btn.back"))
    await seller.press("Ромашка")
    await seller.press(s("card.btn.edit"))
    await seller.press(s("field.contact"))
    card = Contact(phone_number="79161234567", first_name="Иван", last_name="Петров", user_id=IVAN)
    await seller.send_message(contact=card)


async def test_a_clients_forwarded_message_lands_in_their_deal_in_two_interactions(
    seller: Person, engine: AsyncEngine, clock: FakeClock
) -> None:
    s = say(seller)
    await with_ivan(seller)
    written = (clock() - timedelta(days=2)).replace(microsecond=0)
    words = "Согласны на 150к.\nПришлите договор."
    interactions = [
        await seller.send_message(forward_origin=from_ivan(written), text=words),
    ]
    at = written.astimezone(MOSCOW).strftime("%d.%m %H:%M")
    assert seller.text == s("inbox.forward_where", name="Иван Петров", at=at)
    assert seller.buttons() == ["📎 Ромашка", "📎 Лютик", s("inbox.btn.new_deal")]
    interactions.append(await seller.press("📎 Ромашка"))
    assert len(interactions) == 2  # the forward, the deal pressed: the note is kept
    assert seller.alert == s("inbox.saved_forward")
    assert "💼 <b>Ромашка</b>" in seller.card
    [(deal_id, kind, text, name, origin_at, *_)] = await notes(engine)
    assert (deal_id, kind, text, name) == (1, "note", words, "Иван Петров")
    assert origin_at == written.astimezone(UTC)
    await seller.press(s("card.btn.history"))
    shown = s("history.forwarded", name="Иван Петров", at=at, text=words)
    assert shown in seller.text


async def test_the_author_is_matched_by_username_and_a_hidden_author_by_name(
    seller: Person, engine: AsyncEngine, clock: FakeClock
) -> None:
    s = say(seller)
    await create(seller, "Ромашка", "100000")
    await create(seller, "Лютик", "50000")
    await seller.press(s("card.btn.edit"))
    await seller.press(s("field.contact"))
    await seller.send("Мария Котова @maria_k")  # Лютик's person
    stranger = User(id=42, is_bot=False, first_name="Маша", username="maria_k")
    origin = MessageOriginUser(date=clock(), sender_user=stranger)
    await seller.send_message(forward_origin=origin, text="Когда встреча?")
    assert seller.buttons()[0] == "📎 Лютик"

    hidden = MessageOriginHiddenUser(date=clock(), sender_user_name="Мария Котова")
    await seller.send_message(forward_origin=hidden, text="Перезвоните")
    assert s("inbox.forward_hidden") in seller.text
    assert seller.buttons()[0] == "📎 Лютик"
    picker, data = seller.find_button("📎 Лютик")
    # A step begun and left meanwhile (it clears the conversation's state) loses nothing.
    await seller.press(s("card.btn.note"))
    await seller.press(s("btn.back"))
    await seller.press_data(data, picker.message_id)
    assert seller.alert == s("inbox.saved_forward")
    # A hidden account's name is no account: it does not become a contact of the client.
    people = await rows(engine, select(ContactRow.name, ContactRow.tg_id).order_by(ContactRow.id))
    assert people == [("Мария Котова", None)]
    assert [n[2:4] for n in await notes(engine)] == [("Перезвоните", "Мария Котова")]


async def test_a_forward_from_someone_new_makes_a_new_deal_with_them(
    seller: Person, engine: AsyncEngine, clock: FakeClock
) -> None:
    s = say(seller)
    await create(seller, "Ромашка", "100000")
    oleg = User(id=43, is_bot=False, first_name="Олег", last_name="Смирнов", username="oleg_s")
    origin = MessageOriginUser(date=clock(), sender_user=oleg)
    await seller.send_message(forward_origin=origin, text="Нужно 20 кресел")
    await seller.press(s("inbox.btn.new_deal"))
    assert "💼 <b>Олег Смирнов</b>" in seller.card
    assert s("card.contact", contact="Олег Смирнов · @oleg_s") in seller.card
    assert [n[:4] for n in await notes(engine)] == [(2, "note", "Нужно 20 кресел", "Олег Смирнов")]
    people = await rows(engine, select(ContactRow.client_id, ContactRow.tg_id))
    assert people == [(2, 43)]
    # The next forward of his finds his deal first.
    await seller.send_message(forward_origin=origin, text="И 5 столов")
    assert seller.buttons()[0] == "📎 Олег Смирнов"


async def test_bad_forwards_and_forged_choices_change_nothing(
    seller: Person,
    admin: Person,
    person: Callable[..., Person],
    engine: AsyncEngine,
    clock: FakeClock,
) -> None:
    s = say(seller)
    await create(seller, "Ромашка", "100000")
    olga = person(2001, "Olga", seller.lang)
    await join(admin, olga, s("role.seller"))
    await create(olga, "Лютик", "50000")
    origin = MessageOriginHiddenUser(date=clock(), sender_user_name="Иван")
    await seller.send_message(forward_origin=origin)  # a forward with nothing to keep
    assert seller.texts == [s("inbox.empty")]
    await seller.send_message(forward_origin=origin, text="Добрый день")
    _, data = seller.find_button("📎 Ромашка")
    item = data.split(":")[1]
    await seller.press_data(f"ib:{item}:2")  # Olga's deal
    assert seller.alert == s("error.access_denied")
    await seller.press_data("ib:999999:1")  # nothing waits under this id
    assert seller.alert == s("inbox.gone")
    await olga.press_data(f"ib:{item}:2")  # the seller's forward is not Olga's to place
    assert olga.alert == s("inbox.gone")
    assert await notes(engine) == []
    await seller.press_data(f"ib:{item}:1")
    assert seller.alert == s("inbox.saved_forward")
    await seller.press_data(f"ib:{item}:1")  # pressed twice: kept once
    assert seller.alert == s("inbox.gone")
    assert len(await notes(engine)) == 1


async def test_a_voice_note_goes_to_a_chosen_deal_and_is_sent_again_from_the_history(
    seller: Person, engine: AsyncEngine, bot: MockedBot
) -> None:
    s = say(seller)
    await create(seller, "Ромашка", "100000")
    voice = Voice(file_id="AwACAgIAAxkBAAIBvoice", file_unique_id="v1", duration=42, file_size=9000)
    await seller.send_message(voice=voice, caption="Итоги звонка")
    assert seller.text == s("inbox.file_where", kind=s("file.voice") + " · 0:42")
    await seller.press("📎 Ромашка")
    assert seller.alert == s("inbox.saved_file")
    await seller.press(s("card.btn.history"))
    details = " · 0:42"
    assert (
        s("history.file", kind=s("file.voice"), details=details, caption=": Итоги звонка")
        in seller.text
    )
    await seller.press(f"1. {s('file.voice')}")
    sent = bot.last(SendVoice)
    assert (sent.voice, sent.caption, sent.chat_id) == (voice.file_id, "Итоги звонка", seller.tg_id)
    assert await notes(engine) == [(1, "file", "Итоги звонка", None, None, "voice", voice.file_id)]


async def test_files_sent_after_the_cards_clip_are_kept_and_a_30_mb_video_by_its_id(
    seller: Person, engine: AsyncEngine, bot: MockedBot
) -> None:
    s = say(seller)
    await create(seller, "Ромашка", "100000")
    await seller.press(s("card.btn.attach"))
    assert seller.text == s("inbox.attach_ask")
    photo = [
        PhotoSize(file_id="ph-small", file_unique_id="p1", width=90, height=90, file_size=900),
        PhotoSize(file_id="ph-big", file_unique_id="p2", width=1280, height=960, file_size=200_000),
    ]
    await seller.send_message(photo=photo)
    assert seller.text == s("inbox.saved_file")
    document = Document(file_id="doc-1", file_unique_id="d1", file_name="КП.pdf", file_size=2 * MB)
    await seller.send_message(document=document, caption="КП v2")
    video = Video(
        file_id="vid-30",
        file_unique_id="v30",
        width=1920,
        height=1080,
        duration=95,
        file_size=30 * MB,
    )
    await seller.send_message(video=video)
    assert seller.text == s("inbox.saved_file") + "\n" + s("inbox.big_file", size="30")
    assert [(n[5], n[6], n[2]) for n in await notes(engine)] == [
        ("photo", "ph-big", None),
        ("document", "doc-1", "КП v2"),
        ("video", "vid-30", None),
    ]
    await seller.press(s("btn.back"))
    await seller.press(s("card.btn.history"))
    assert seller.buttons()[:3] == [
        f"1. {s('file.photo')} · {s('file.size_mb', mb='0.2')}",
        f"2. {s('file.document')} · {s('file.size_mb', mb='2.0')}",
        f"3. {s('file.video')} · 1:35",
    ]
    await seller.press(f"3. {s('file.video')}")
    assert bot.last(SendVideo).video == "vid-30"
    await seller.press(f"2. {s('file.document')}")
    assert (bot.last(SendDocument).document, bot.last(SendDocument).caption) == ("doc-1", "КП v2")
    await seller.press(f"1. {s('file.photo')}")
    assert bot.last(SendPhoto).photo == "ph-big"
    assert bot.sent(GetFile) == []  # nothing downloaded, whatever the size


async def test_a_file_of_another_deal_or_a_forged_one_is_refused(
    seller: Person, admin: Person, person: Callable[..., Person], bot: MockedBot
) -> None:
    s = say(seller)
    await create(seller, "Ромашка", "100000")
    await seller.press(s("card.btn.attach"))
    voice = Voice(file_id="AwACvoice", file_unique_id="v1", duration=3)
    await seller.send_message(voice=voice)
    olga = person(2001, "Olga", seller.lang)
    await join(admin, olga, s("role.seller"))
    await olga.press_data("fl:1:1")
    assert olga.alert == s("error.access_denied")
    await seller.press_data("fl:1:999")
    assert seller.alert == s("inbox.file_invalid")
    assert bot.sent(SendVoice) == []
    # Without open deals a file has nowhere to go, and says so.
    await olga.send_message(voice=voice)
    assert olga.texts == [s("inbox.no_deals")]


async def test_a_voice_note_or_a_contact_card_replying_to_a_card_goes_straight_to_its_deal(
    seller: Person, engine: AsyncEngine
) -> None:
    s = say(seller)
    await create(seller, "Лютик", "50000")
    await create(seller, "Ромашка", "100000")
    cards = [m for m in seller.messages() if (m.text or "").startswith("💼 <b>Лютик")]
    voice = Voice(file_id="AwACreply", file_unique_id="v9", duration=7)
    await seller.send_message(voice=voice, reply_to_message=cards[-1])  # one interaction
    assert seller.texts == [s("inbox.saved_file")]
    card = Contact(phone_number="+79161234567", first_name="Иван")
    await seller.send_message(contact=card, reply_to_message=cards[-1])
    assert seller.texts[0] == s("edit.saved", field=s("field.contact"))
    assert "💼 <b>Лютик</b>" in seller.card
    assert s("card.contact", contact="Иван · +79161234567") in seller.card
    assert [n[:2] + n[5:] for n in await notes(engine)] == [(1, "file", "voice", "AwACreply")]
    links = await rows(engine, select(DealRow.id, DealRow.contact_id).order_by(DealRow.id))
    assert links == [(1, 1), (2, None)]
