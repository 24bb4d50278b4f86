"""The flow-test harness itself: an update in, the bot's requests out."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Dispatcher, F, Router
from aiogram.client.default import Default
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.filters import CommandStart
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageText,
    GetChat,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
)
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from tests.mocked_bot import (
    BOT_USER,
    MockedBot,
    MockedSession,
    feed,
    make_callback,
    make_message,
)

USER_ID = 100500

START_KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="Каталог", callback_data="catalog")],
        [InlineKeyboardButton(text="Помощь", callback_data="help")],
    ]
)
CATALOG_KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Назад", callback_data="back")]]
)


def make_router() -> Router:
    router = Router(name="tiny")

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        name = message.from_user.first_name if message.from_user else "гость"
        await message.answer(f"Здравствуйте, <b>{name}</b>!", reply_markup=START_KEYBOARD)

    @router.callback_query(F.data == "catalog")
    async def catalog(callback: CallbackQuery) -> None:
        assert isinstance(callback.message, Message)
        await callback.message.edit_text("Каталог:", reply_markup=CATALOG_KEYBOARD)
        await callback.answer("Открываю каталог")

    return router


@pytest.fixture
async def bot() -> AsyncIterator[MockedBot]:
    mocked = MockedBot()
    yield mocked
    await mocked.session.close()


@pytest.fixture
def dp() -> Dispatcher:
    dispatcher = Dispatcher()
    dispatcher.include_router(make_router())
    return dispatcher


# --------------------------------------------------------------------------- flows


async def test_start_sends_greeting_with_inline_keyboard(dp: Dispatcher, bot: MockedBot) -> None:
    await feed(dp, bot, make_message(USER_ID, "/start", first_name="Пётр"))

    assert [type(request) for request in bot.requests] == [SendMessage]
    sent = bot.last(SendMessage)
    assert sent.chat_id == USER_ID
    assert sent.text == "Здравствуйте, <b>Пётр</b>!"
    assert sent.reply_markup == START_KEYBOARD
    assert sent.parse_mode == Default("parse_mode")  # left to the bot's default (HTML)
    assert bot.default["parse_mode"] == "HTML"


async def test_callback_edits_message_and_answers(dp: Dispatcher, bot: MockedBot) -> None:
    await feed(dp, bot, make_message(USER_ID, "/start"))
    greeting_id = 1  # the first message the bot sent to this chat
    update = make_callback(USER_ID, "catalog", message_id=greeting_id, message_text="Здравствуйте")
    assert update.callback_query is not None

    await feed(dp, bot, update)

    assert [type(request) for request in bot.requests] == [
        SendMessage,
        EditMessageText,
        AnswerCallbackQuery,
    ]
    edit = bot.last(EditMessageText)
    assert (edit.chat_id, edit.message_id) == (USER_ID, greeting_id)
    assert edit.text == "Каталог:"
    assert edit.reply_markup == CATALOG_KEYBOARD
    answer = bot.last(AnswerCallbackQuery)
    assert answer.callback_query_id == update.callback_query.id
    assert answer.text == "Открываю каталог"
    assert bot.texts() == ["Здравствуйте, <b>Ivan</b>!", "Каталог:"]


async def test_unhandled_update_sends_nothing(dp: Dispatcher, bot: MockedBot) -> None:
    await feed(dp, bot, make_message(USER_ID, "просто текст"))
    await feed(dp, bot, make_callback(USER_ID, "unknown"))

    assert bot.requests == []


async def test_sent_last_and_clear(bot: MockedBot) -> None:
    await bot.send_message(USER_ID, "one")
    await bot.delete_message(USER_ID, 1)
    await bot.send_message(USER_ID, "two")

    assert [request.text for request in bot.sent(SendMessage)] == ["one", "two"]
    assert len(bot.sent()) == 3
    assert bot.last(SendMessage).text == "two"
    assert bot.last(DeleteMessage).message_id == 1
    with pytest.raises(AssertionError, match="No AnswerCallbackQuery was sent"):
        bot.last(AnswerCallbackQuery)

    bot.clear()
    assert bot.requests == []
    assert bot.texts() == []


# ---------------------------------------------------------------- scripted answers


async def test_queued_forbidden_error_is_raised(bot: MockedBot) -> None:
    blocked = TelegramForbiddenError(
        method=SendMessage(chat_id=USER_ID, text="x"),
        message="Forbidden: bot was blocked by the user",
    )
    bot.queue_response(SendMessage, blocked)

    with pytest.raises(TelegramForbiddenError, match="bot was blocked") as raised:
        await bot.send_message(USER_ID, "Новая акция!")
    assert raised.value is blocked
    assert bot.last(SendMessage).text == "Новая акция!"  # the attempt is still recorded

    message = await bot.send_message(USER_ID, "again")  # the queue is used up
    assert message.text == "again"
    assert bot.session.pending() == 0


async def test_queued_retry_after_and_results_in_order(bot: MockedBot) -> None:
    flood = TelegramRetryAfter(
        method=SendMessage(chat_id=USER_ID, text="x"), message="Too Many Requests", retry_after=3
    )
    bot.queue_response(SendMessage, flood)
    bot.queue_response(
        SendMessage,
        {"message_id": 777, "date": 0, "chat": {"id": USER_ID, "type": "private"}, "text": "ok"},
    )

    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(USER_ID, "first")
    assert raised.value.retry_after == 3

    message = await bot.send_message(USER_ID, "second")
    assert message.message_id == 777
    assert message.bot is bot
    assert bot.session.pending(SendMessage) == 0


async def test_queued_response_only_for_its_method_type(bot: MockedBot) -> None:
    bot.queue_response(GetChat, TelegramBadRequest(method=GetMe(), message="chat not found"))

    assert (await bot.send_message(USER_ID, "hi")).text == "hi"
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat(USER_ID)


# ------------------------------------------------------------------ auto answers


async def test_send_message_result_is_plausible(bot: MockedBot) -> None:
    reply_keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Да")]])

    first = await bot.send_message(USER_ID, "a", reply_markup=START_KEYBOARD)
    second = await bot.send_message(USER_ID, "b", reply_markup=reply_keyboard)
    other_chat = await bot.send_message(USER_ID + 1, "c")

    assert (first.message_id, second.message_id, other_chat.message_id) == (1, 2, 1)
    assert first.chat.id == USER_ID
    assert first.chat.type == "private"
    assert first.from_user is not None
    assert first.from_user.id == BOT_USER.id
    assert first.text == "a"
    assert first.reply_markup is not None
    # Answers are bound to the bot (like real ones) and pydantic's == compares that: use dumps.
    assert first.reply_markup.model_dump() == START_KEYBOARD.model_dump()
    assert second.reply_markup is None  # Telegram only echoes inline keyboards
    assert first.date.tzinfo is not None
    assert first.bot is bot
    assert first.chat.bot is bot

    # The returned message is usable through its shortcuts.
    edited = await first.edit_text("a2")
    assert isinstance(edited, Message)
    assert edited.text == "a2"
    assert edited.edit_date is not None
    assert edited.reply_markup is None  # an edit without reply_markup drops the keyboard


async def test_edit_reply_markup_keeps_known_text(bot: MockedBot) -> None:
    sent = await bot.send_message(USER_ID, "Заказ №1", reply_markup=START_KEYBOARD)

    edited = await bot.edit_message_reply_markup(
        chat_id=USER_ID, message_id=sent.message_id, reply_markup=CATALOG_KEYBOARD
    )
    assert isinstance(edited, Message)
    assert edited.text == "Заказ №1"
    assert edited.reply_markup is not None
    assert edited.reply_markup.model_dump() == CATALOG_KEYBOARD.model_dump()

    caption = await bot.edit_message_caption(chat_id=USER_ID, message_id=50, caption="Фото")
    assert isinstance(caption, Message)
    assert (caption.message_id, caption.caption) == (50, "Фото")

    assert await bot.edit_message_text("x", inline_message_id="inline-1") is True
    with pytest.raises(TelegramBadRequest, match="message identifier is not specified"):
        await bot.edit_message_text("x")


async def test_send_photo_and_document_stubs(bot: MockedBot) -> None:
    photo = await bot.send_photo(USER_ID, "AgACAgIAAxk-existing", caption="Товар")
    assert photo.photo is not None
    assert photo.photo[-1].file_id == "AgACAgIAAxk-existing"
    assert photo.caption == "Товар"

    document = await bot.send_document(
        USER_ID, BufferedInputFile(b"id;sum\n", filename="report.csv")
    )
    assert document.document is not None
    assert document.document.file_name == "report.csv"
    assert document.message_id == photo.message_id + 1
    assert [type(request) for request in bot.requests] == [SendPhoto, SendDocument]


async def test_true_methods_get_me_and_unknown(bot: MockedBot) -> None:
    assert await bot.answer_callback_query("cb-1") is True
    assert await bot.set_my_commands([]) is True
    assert await bot.delete_my_commands() is True
    assert await bot.send_chat_action(USER_ID, "typing") is True
    assert await bot.delete_webhook() is True
    assert await bot.set_chat_menu_button() is True
    assert await bot.leave_chat(-100) is True  # anything else

    me = await bot.get_me()
    assert me.model_dump() == BOT_USER.model_dump()
    assert me.id == bot.id
    assert (await bot.me()).username == "salesbot_test_bot"


async def test_factories() -> None:
    command = make_message(USER_ID, "/start promo_42", username="petr")
    plain = make_message(USER_ID, "hello", chat_id=-1001234)
    assert command.message is not None
    assert plain.message is not None
    assert plain.update_id == command.update_id + 1
    assert plain.message.message_id == command.message.message_id + 1

    assert command.message.chat.id == USER_ID
    assert command.message.chat.type == "private"
    assert command.message.from_user is not None
    assert command.message.from_user.username == "petr"
    assert command.message.from_user.language_code == "ru"
    assert command.message.entities is not None
    [entity] = command.message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, len("/start"))
    assert plain.message.entities is None
    assert plain.message.chat.type == "supergroup"

    callback = make_callback(USER_ID, "buy:7", message_id=9, message_text="Товар")
    other = make_callback(USER_ID, "buy:7")
    assert callback.callback_query is not None
    assert other.callback_query is not None
    assert callback.callback_query.id != other.callback_query.id
    assert isinstance(callback.callback_query.message, Message)
    assert callback.callback_query.message.message_id == 9
    assert callback.callback_query.message.from_user == BOT_USER  # unbound: plain ==
    assert callback.callback_query.message.chat.id == USER_ID


async def test_defaults_are_overridable() -> None:
    plain = MockedBot(parse_mode=None, protect_content=True)
    assert plain.default["parse_mode"] is None
    assert plain.default["protect_content"] is True
    with pytest.raises(TypeError):
        MockedBot(default=plain.default, parse_mode="HTML")
    await plain.session.close()


async def test_session_close_and_stream_content() -> None:
    session = MockedSession()
    await session.close()
    await session.close()
    stream: Any = session.stream_content("https://example.invalid/file")
    with pytest.raises(NotImplementedError):
        await stream.__anext__()


async def test_an_uploaded_file_is_found_by_get_file_and_downloads_whole() -> None:
    bot = MockedBot()
    content = b"seller;revenue\n" * 5000  # several download chunks
    document = bot.session.upload(content, "plans.csv")
    assert document.file_size == len(content)
    buffer = io.BytesIO()
    await bot.download(document, destination=buffer, chunk_size=1024)
    assert buffer.getvalue() == content
    with pytest.raises(TelegramBadRequest):
        await bot.get_file("no-such-file")
