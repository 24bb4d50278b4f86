"""The sandbox's chat page sends a contact card, a voice note and forwards (from an account
or a hidden one) as Telegram delivers them, and shows what the bot sends back by file id."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.types import MessageOriginHiddenUser, MessageOriginUser

from sandbox.server import Sandbox

USER = 555


async def page_sends(box: Sandbox, **body: Any) -> int:
    url = f"{box.url}/sandbox/api/send"
    async with aiohttp.ClientSession() as http, http.post(url, json={"user": USER, **body}) as r:
        return r.status


async def test_a_contact_card_and_a_voice_note_arrive_as_telegram_sends_them(
    box: Sandbox, api: Bot
) -> None:
    card = {"kind": "contact", "name": "Иван Петров", "phone": "+79161234567", "contact_id": 77}
    assert await page_sends(box, **card) == 200
    assert await page_sends(box, kind="voice", duration=42, caption="Итоги") == 200
    contact, voice = [u.message for u in await api.get_updates(timeout=0)]
    assert contact is not None and contact.contact is not None
    assert (contact.contact.first_name, contact.contact.last_name) == ("Иван", "Петров")
    assert (contact.contact.phone_number, contact.contact.user_id) == ("+79161234567", 77)
    assert voice is not None and voice.voice is not None
    assert (voice.voice.duration, voice.caption) == (42, "Итоги")
    # The bot sends the voice note again by its id: the chat shows it with its length.
    sent = await api.send_voice(USER, voice.voice.file_id, caption="again")
    assert sent.voice is not None and sent.voice.duration == 42
    assert box.world.chats[USER][-1]["voice"]["file_id"] == voice.voice.file_id


async def test_forwards_come_with_their_author_or_only_a_hidden_name(
    box: Sandbox, api: Bot
) -> None:
    known = {"from_name": "Олег Смирнов", "from_id": 43, "from_username": "oleg_s"}
    assert await page_sends(box, kind="forward", text="Нужно 20 кресел", **known) == 200
    assert await page_sends(box, kind="forward", text="Перезвоните", from_name="Мария") == 200
    first, second = [u.message for u in await api.get_updates(timeout=0)]
    assert first is not None and isinstance(first.forward_origin, MessageOriginUser)
    author = first.forward_origin.sender_user
    assert (author.id, author.first_name, author.last_name, author.username) == (
        43,
        "Олег",
        "Смирнов",
        "oleg_s",
    )
    assert first.text == "Нужно 20 кресел"
    assert second is not None and isinstance(second.forward_origin, MessageOriginHiddenUser)
    assert second.forward_origin.sender_user_name == "Мария"


async def test_a_message_telegram_could_not_send_is_refused(box: Sandbox) -> None:
    assert await page_sends(box, kind="sticker") == 400
    assert await page_sends(box, kind="contact", name="Иван") == 400  # no phone
    assert await page_sends(box, kind="voice", duration=0) == 400
    assert await page_sends(box, kind="forward", from_name="Олег") == 400  # no text
    assert box.world.updates == []
