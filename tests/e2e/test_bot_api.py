"""The sandbox answers an aiogram Bot the way Telegram does, refusals included."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    MediaUnion,
    ReplyKeyboardMarkup,
)

from sandbox.server import Sandbox

USER = 555


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data=data)]]
    )


async def test_get_me_names_the_sandbox_bot(api: Bot) -> None:
    me = await api.get_me()
    assert me.is_bot and me.username == "salesbot_sandbox_bot"


async def test_a_wrong_token_is_unauthorized(box: Sandbox, api: Bot) -> None:
    other = Bot("1:wrong", session=api.session)
    with pytest.raises(TelegramUnauthorizedError):
        await other.get_me()


async def test_html_is_parsed_and_bad_html_refused_like_telegram(box: Sandbox, api: Bot) -> None:
    box.world.user(USER, "Ivan")
    sent = await api.send_message(USER, "<b>Deal</b> &amp; <i>co</i>")
    assert sent.text == "Deal & co"
    assert box.world.chats[USER][-1]["raw"] == "<b>Deal</b> &amp; <i>co</i>"
    with pytest.raises(TelegramBadRequest, match=r"can't parse entities.*Unsupported start tag"):
        await api.send_message(USER, "<div>no</div>")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await api.send_message(USER, "<b>open")
    assert len(box.world.chats[USER]) == 1


async def test_lengths_and_callback_data_are_checked_after_parsing(box: Sandbox, api: Bot) -> None:
    box.world.user(USER, "Ivan")
    await api.send_message(USER, "<b>" + "x" * 4096 + "</b>")  # 4096 characters once parsed
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await api.send_message(USER, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await api.send_message(USER, "hi", reply_markup=keyboard("я" * 33))  # 66 bytes
    await api.send_message(USER, "hi", reply_markup=keyboard("я" * 32))
    photo = BufferedInputFile(b"\x89PNG fake", "chart.png")
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await api.send_photo(USER, photo, caption="c" * 1025)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await api.send_message(999, "nobody")


async def test_identical_edits_are_refused_and_real_ones_applied(box: Sandbox, api: Bot) -> None:
    box.world.user(USER, "Ivan")
    sent = await api.send_message(USER, "Stage 1", reply_markup=keyboard("a"))
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await api.edit_message_text("Stage 1", chat_id=USER, message_id=sent.message_id,
                                    reply_markup=keyboard("a"))  # fmt: skip
    await api.edit_message_text("Stage 2", chat_id=USER, message_id=sent.message_id)
    stored = box.world.find(USER, sent.message_id)
    assert stored is not None and stored["text"] == "Stage 2" and "reply_markup" not in stored
    await api.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id,
                                        reply_markup=keyboard("b"))  # fmt: skip
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await api.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id,
                                            reply_markup=keyboard("b"))  # fmt: skip
    assert await api.delete_message(USER, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await api.edit_message_text("gone", chat_id=USER, message_id=sent.message_id)


async def test_uploads_are_kept_and_served_back(box: Sandbox, api: Bot) -> None:
    box.world.user(USER, "Ivan")
    sent = await api.send_photo(
        USER, BufferedInputFile(b"PNGDATA", "chart.png"), caption="<b>Plan</b>"
    )
    assert sent.caption == "Plan" and sent.photo
    doc = await api.send_document(USER, BufferedInputFile(b"a;b\n1;2\n", "deals.csv"))
    assert doc.document is not None and doc.document.file_name == "deals.csv"
    file = await api.get_file(doc.document.file_id)
    assert file.file_path is not None
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{box.url}/sandbox/files/{sent.photo[-1].file_id}") as photo:
            assert await photo.read() == b"PNGDATA"
        async with http.get(f"{box.url}/file/bot42:e2e-token/{file.file_path}") as csv:
            assert await csv.read() == b"a;b\n1;2\n"


async def test_a_media_group_is_one_message_per_picture(box: Sandbox, api: Bot) -> None:
    """`/digest` sends its charts as an album (it was 404 here before)."""
    box.world.user(USER, "Ivan")
    charts = [BufferedInputFile(f"PNG{n}".encode(), f"{n}.png") for n in range(3)]
    album: list[MediaUnion] = [InputMediaPhoto(media=charts[0], caption="<b>Plan</b>")]
    album += [InputMediaPhoto(media=c) for c in charts[1:]]
    sent = await api.send_media_group(USER, album)
    assert [m.caption for m in sent] == ["Plan", None, None]
    assert len({m.media_group_id for m in sent}) == 1 and sent[0].media_group_id
    async with aiohttp.ClientSession() as http:
        for n, message in enumerate(sent):
            assert message.photo
            async with http.get(f"{box.url}/sandbox/files/{message.photo[-1].file_id}") as got:
                assert await got.read() == f"PNG{n}".encode()
    chat = len(box.world.chats[USER])
    with pytest.raises(TelegramBadRequest, match="2 to 10"):
        await api.send_media_group(USER, [InputMediaPhoto(media=charts[0])])
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await api.send_media_group(USER, [InputMediaPhoto(media=charts[0]),
                                          InputMediaPhoto(media="no-such-file")])  # fmt: skip
    assert len(box.world.chats[USER]) == chat  # nothing half-sent


async def test_a_reply_keyboard_stays_under_the_input(box: Sandbox, api: Bot) -> None:
    box.world.user(USER, "Ivan")
    markup = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="➕ Deal")]], resize_keyboard=True)
    await api.send_message(USER, "menu", reply_markup=markup)
    shown = box.world.reply_keyboards[USER]
    assert shown is not None and shown["keyboard"][0][0]["text"] == "➕ Deal"


async def test_a_press_becomes_a_callback_query_answered_once(box: Sandbox, api: Bot) -> None:
    box.world.user(USER, "Ivan")
    sent = await api.send_message(USER, "card", reply_markup=keyboard("deal:1"))
    query = await box.world.user_presses(USER, sent.message_id, "deal:1")
    updates = await api.get_updates(timeout=0)
    assert updates[0].callback_query is not None and updates[0].callback_query.data == "deal:1"
    await api.answer_callback_query(query, "Saved", show_alert=True)
    assert box.world.alerts[USER] == [{"text": "Saved", "show_alert": True}]
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await api.answer_callback_query(query)


async def test_offsets_confirm_updates_and_long_polls_wait(box: Sandbox, api: Bot) -> None:
    for text in ("one", "two"):
        await box.world.user_sends(USER, text)
    first = await api.get_updates(timeout=0)
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    again = await api.get_updates(offset=first[0].update_id + 1, timeout=0)
    assert [u.message.text for u in again if u.message] == ["two"]
    empty = await api.get_updates(offset=first[-1].update_id + 1, timeout=1)
    assert empty == [] and box.world.updates == []


async def test_faults_answer_429_403_and_unknown_methods_404(box: Sandbox, api: Bot) -> None:
    box.world.user(USER, "Ivan")
    box.world.faults.flood, box.world.faults.retry_after = 1, 3
    with pytest.raises(TelegramRetryAfter) as flood:
        await api.send_message(USER, "hi")
    assert flood.value.retry_after == 3
    await api.send_message(USER, "hi")
    box.world.faults.blocked.add(USER)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await api.send_message(USER, "hi")

    class Nonsense(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "sendNonsense"

    with pytest.raises(TelegramNotFound):
        await api(Nonsense())


async def test_the_menu_is_the_narrowest_scope_set(box: Sandbox, api: Bot) -> None:
    box.world.user(USER, "Ivan", language_code="ru")
    everyone = [BotCommand(command="start", description="Начать")]
    await api.set_my_commands(everyone, scope=BotCommandScopeAllPrivateChats(), language_code="ru")
    assert [c["command"] for c in box.world.menu(USER)] == ["start"]
    staff = [BotCommand(command="new", description="Новая сделка")]
    await api.set_my_commands(staff, scope=BotCommandScopeChat(chat_id=USER))
    assert [c["command"] for c in box.world.menu(USER)] == ["new"]
    assert [c["command"] for c in box.world.menu(USER + 1)] == []


async def test_malformed_calls_are_400_not_500(box: Sandbox) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{box.url}/sandbox/api/send", json={"user": "abc", "text": "hi"}
        ) as r:
            assert r.status == 400
        async with http.post(f"{box.url}/sandbox/api/press", json={"user": USER}) as r:
            assert r.status == 400
        async with http.post(f"{box.url}/bot42:e2e-token/getUpdates", json={"limit": "x"}) as r:
            body = await r.json()
            assert r.status == 400 and body["ok"] is False and body["error_code"] == 400
