"""An offline Telegram Bot API for flow tests: an update goes in, the bot's requests come out.

In the spirit of aiogram's own ``tests/mocked_bot.py``, but the session answers by itself with
plausible results, so handlers keep running without scripting every reply::

    bot = MockedBot()
    await feed(dp, bot, make_message(100, "/start"))
    assert bot.last(SendMessage).text == "Привет!"

Nothing here opens a network connection; ``close()`` is a no-op, so nothing can leak.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections import defaultdict, deque
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    DeleteMyCommands,
    DeleteWebhook,
    EditMessageCaption,
    EditMessageMedia,
    EditMessageReplyMarkup,
    EditMessageText,
    GetFile,
    GetMe,
    SendAudio,
    SendChatAction,
    SendDocument,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    SendVideo,
    SendVideoNote,
    SendVoice,
    SetChatMenuButton,
    SetMyCommands,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType
from aiogram.types import (
    Audio,
    CallbackQuery,
    Chat,
    Document,
    File,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    MessageEntity,
    PhotoSize,
    TelegramObject,
    Update,
    User,
    Video,
    VideoNote,
    Voice,
)

__all__ = [
    "BOT_TOKEN",
    "BOT_USER",
    "MockedBot",
    "MockedSession",
    "feed",
    "make_callback",
    "make_document",
    "make_message",
]

BOT_TOKEN = "42:TEST"
BOT_USER = User(id=42, is_bot=True, first_name="Salesbot", username="salesbot_test_bot")

M = TypeVar("M", bound=TelegramMethod[Any])

#: Methods that Telegram answers with a bare ``True``.
TRUE_METHODS: tuple[type[TelegramMethod[Any]], ...] = (
    AnswerCallbackQuery,
    SetMyCommands,
    DeleteMessage,
    SendChatAction,
    DeleteWebhook,
    SetChatMenuButton,
    DeleteMyCommands,
)

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?")


def _now() -> datetime:
    return datetime.now(tz=UTC).replace(microsecond=0)


def _utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _chat_for(chat_id: int | str) -> Chat:
    """A plausible ``Chat`` for a ``chat_id`` the bot was asked to write to."""
    if isinstance(chat_id, str):
        if chat_id.lstrip("-").isdigit():
            return _chat_for(int(chat_id))
        # "@channelusername": give it a stable fake id.
        username = chat_id.removeprefix("@")
        fake_id = -(1_000_000_000_000 + zlib.crc32(username.encode()))
        return Chat(id=fake_id, type="channel", title=username, username=username)
    if chat_id > 0:
        return Chat(id=chat_id, type="private")
    if str(chat_id).startswith("-100"):
        return Chat(id=chat_id, type="supergroup", title="Test supergroup")
    return Chat(id=chat_id, type="group", title="Test group")


class MockedSession(BaseSession):
    """A session that records every request and answers it without any network.

    * ``requests`` holds every ``TelegramMethod`` in the order it was made (including the ones
      that were answered with a queued exception);
    * ``queue_response(SomeMethod, result_or_exception)`` scripts the next answer for that method
      type (FIFO per type); an exception instance is raised from the call;
    * everything else is answered automatically (see ``_auto_response``).

    Requests are recorded exactly as aiogram built them, so fields left to the bot's defaults
    hold ``Default("parse_mode")`` and friends, not the resolved value.

    Automatic answers are bound to the bot throughout (``message.chat.bot is bot``), as a real
    response is; pydantic's ``==`` also compares that binding, so compare them to unbound objects
    such as ``BOT_USER`` field by field (``message.from_user.id == BOT_USER.id``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.closed = False
        self._queued: defaultdict[type[TelegramMethod[Any]], deque[Any]] = defaultdict(deque)
        self._message_ids: defaultdict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )
        self._messages: dict[tuple[int, int], Message] = {}
        self._file_ids = itertools.count(1)
        self._files: dict[str, bytes] = {}

    # ----------------------------------------------------------------- scripting

    def queue_response(
        self,
        method_type: type[TelegramMethod[TelegramType]],
        result_or_exception: TelegramType | BaseException | dict[str, Any] | list[Any],
    ) -> None:
        """Make the next ``method_type`` request answer with this result or raise this exception.

        A result may also be a plain ``dict``/``list`` as Telegram would send it: it is validated
        into the method's return type (bound to the bot) at call time.
        """
        self._queued[method_type].append(result_or_exception)

    def pending(self, method_type: type[TelegramMethod[Any]] | None = None) -> int:
        """How many queued answers are still unused (for one method type or for all)."""
        if method_type is not None:
            return len(self._queued[method_type])
        return sum(len(queue) for queue in self._queued.values())

    def messages(self, chat_id: int) -> list[Message]:
        """The bot's messages in a chat as they stand now (after edits), oldest first."""
        found = [m for (chat, _), m in self._messages.items() if chat == chat_id]
        return sorted(found, key=lambda m: m.message_id)

    def upload(self, content: bytes, file_name: str, mime_type: str = "text/csv") -> Document:
        """A file a user sends: ``getFile`` and the download then give back ``content``."""
        file_id = f"upload-{next(self._file_ids)}"
        self._files[file_id] = content
        return Document(
            file_id=file_id,
            file_unique_id=f"{file_id}-u",
            file_name=file_name,
            mime_type=mime_type,
            file_size=len(content),
        )

    def reset(self) -> None:
        """Forget requests, queued answers, uploaded files and the sent-message store."""
        self.requests.clear()
        self._files.clear()
        self._queued.clear()
        self._message_ids.clear()
        self._messages.clear()

    # ----------------------------------------------------------- BaseSession API

    async def close(self) -> None:
        self.closed = True  # informational only: nothing to release

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109  (the base class signature)
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        # Only files a test uploaded exist; their path is "uploads/<file_id>" (see GetFile).
        file_id = url.rsplit("/", 1)[-1]
        if file_id not in self._files:
            raise NotImplementedError(f"MockedSession has no file at {url}")
        content = self._files[file_id]
        for start in range(0, len(content), chunk_size):
            yield content[start : start + chunk_size]

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109  (the base class signature)
    ) -> TelegramType:
        self.requests.append(method)
        queue = self._queued.get(type(method))
        if queue:
            answer = queue.popleft()
            if isinstance(answer, BaseException):
                raise answer
            return cast(TelegramType, self._bind(bot, method, answer))
        return cast(TelegramType, self._auto_response(bot, method))

    # ----------------------------------------------------------------- answers

    @staticmethod
    def _bind(bot: Bot, method: TelegramMethod[Any], value: Any) -> Any:
        """Mount a scripted answer to the bot, validating raw JSON-like data on the way."""
        if isinstance(value, TelegramObject):
            return value.as_(bot)
        if isinstance(value, dict | list):
            response_type = Response[method.__returning__]  # type: ignore[name-defined]
            response = response_type.model_validate(
                {"ok": True, "result": value}, context={"bot": bot}
            )
            return response.result
        return value

    def _auto_response(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, SendMessage):
            return self._new_message(
                bot,
                method.chat_id,
                text=method.text,
                reply_markup=method.reply_markup,
            )
        if isinstance(method, SendPhoto):
            file_id = self._file_id(method.photo, "photo")
            photo = [
                PhotoSize(
                    file_id=f"{file_id}-s", file_unique_id=f"{file_id}-s-u", width=90, height=51
                ),
                PhotoSize(file_id=file_id, file_unique_id=f"{file_id}-u", width=1280, height=720),
            ]
            return self._new_message(
                bot,
                method.chat_id,
                photo=photo,
                caption=method.caption,
                reply_markup=method.reply_markup,
            )
        if isinstance(method, SendVoice | SendVideo | SendAudio | SendVideoNote):
            return self._new_message(bot, method.chat_id, **_sent_media(method))
        if isinstance(method, SendMediaGroup):
            album = []
            for media in method.media:
                file_id = self._file_id(media.media, "photo")
                size = PhotoSize(
                    file_id=file_id, file_unique_id=f"{file_id}-u", width=1280, height=720
                )
                album.append(self._new_message(bot, method.chat_id, photo=[size]))
            return album
        if isinstance(method, SendDocument):
            file_id = self._file_id(method.document, "document")
            file_name = method.document.filename if isinstance(method.document, InputFile) else None
            document = Document(file_id=file_id, file_unique_id=f"{file_id}-u", file_name=file_name)
            return self._new_message(
                bot,
                method.chat_id,
                document=document,
                caption=method.caption,
                reply_markup=method.reply_markup,
            )
        if isinstance(method, EditMessageText):
            return self._edited_message(
                bot, method, text=method.text, reply_markup=method.reply_markup
            )
        if isinstance(method, EditMessageCaption):
            return self._edited_message(
                bot, method, caption=method.caption, reply_markup=method.reply_markup
            )
        if isinstance(method, EditMessageReplyMarkup):
            return self._edited_message(bot, method, reply_markup=method.reply_markup)
        if isinstance(method, EditMessageMedia):
            file_id = self._file_id(method.media.media, "photo")
            size = PhotoSize(file_id=file_id, file_unique_id=f"{file_id}-u", width=1280, height=720)
            return self._edited_message(
                bot,
                method,
                photo=[size],
                caption=method.media.caption,
                reply_markup=method.reply_markup,
            )
        if isinstance(method, GetFile):
            if method.file_id not in self._files:
                raise TelegramBadRequest(method=method, message="Bad Request: invalid file_id")
            return File(
                file_id=method.file_id,
                file_unique_id=f"{method.file_id}-u",
                file_size=len(self._files[method.file_id]),
                file_path=f"uploads/{method.file_id}",
            ).as_(bot)
        if isinstance(method, GetMe):
            return BOT_USER.model_copy().as_(bot)
        if isinstance(method, TRUE_METHODS):
            return True
        return True  # anything else: a queued answer is the way to get something richer

    def _file_id(self, file: InputFile | str, kind: str) -> str:
        if isinstance(file, str) and not file.startswith(("http://", "https://")):
            return file  # an existing file_id is sent back as is
        return f"{kind}-{next(self._file_ids)}"

    def _new_message(self, bot: Bot, chat_id: int | str, **fields: Any) -> Message:
        chat = _chat_for(chat_id)
        if not isinstance(fields.get("reply_markup"), InlineKeyboardMarkup):
            fields["reply_markup"] = None  # Telegram only echoes inline keyboards
        message = Message(
            message_id=next(self._message_ids[chat.id]),
            date=_now(),
            chat=chat,
            from_user=BOT_USER,
            **{key: value for key, value in fields.items() if value is not None},
        )
        return self._store(bot, message)

    def _edited_message(
        self,
        bot: Bot,
        method: EditMessageText | EditMessageCaption | EditMessageReplyMarkup | EditMessageMedia,
        **changes: Any,
    ) -> Message | bool:
        if method.inline_message_id is not None:
            return True
        if method.chat_id is None or method.message_id is None:
            raise TelegramBadRequest(
                method=method, message="Bad Request: message identifier is not specified"
            )
        chat = _chat_for(method.chat_id)
        known = self._messages.get((chat.id, method.message_id))
        if known is None:
            known = Message(
                message_id=method.message_id, date=_now(), chat=chat, from_user=BOT_USER
            )
        # Like Telegram: an edit without reply_markup drops the inline keyboard.
        edit_date = int(_now().timestamp())  # Message.edit_date is a plain unix time
        message = known.model_copy(update={**changes, "edit_date": edit_date})
        return self._store(bot, message)

    def _store(self, bot: Bot, message: Message) -> Message:
        """Remember the message for later edits and return a copy bound to ``bot`` throughout."""
        bound = Message.model_validate(message.model_dump(warnings=False), context={"bot": bot})
        self._messages[(bound.chat.id, bound.message_id)] = bound
        return bound


class MockedBot(Bot):
    """A ``Bot`` wired to ``MockedSession``, with helpers to inspect what it sent.

    ``MockedBot()`` uses token ``"42:TEST"`` and ``parse_mode="HTML"`` by default; keyword
    arguments are ``DefaultBotProperties`` fields that override those defaults
    (``MockedBot(parse_mode=None)``), or pass a complete ``default=DefaultBotProperties(...)``.
    """

    if TYPE_CHECKING:
        session: MockedSession

    def __init__(
        self,
        token: str = BOT_TOKEN,
        *,
        session: MockedSession | None = None,
        default: DefaultBotProperties | None = None,
        **default_properties: Any,
    ) -> None:
        if default is not None and default_properties:
            raise TypeError("Pass either default=DefaultBotProperties(...) or its fields, not both")
        if default is None:
            default = DefaultBotProperties(**{"parse_mode": "HTML", **default_properties})
        super().__init__(token, session=session or MockedSession(), default=default)
        # Known up front (as aiogram's own mocked bot does), so bot.me() adds no GetMe request.
        self._me = BOT_USER.model_copy().as_(self)

    @property
    def requests(self) -> list[TelegramMethod[Any]]:
        """Every request made so far, in order (the session's live list)."""
        return self.session.requests

    @overload
    def sent(self, method_type: None = None) -> list[TelegramMethod[Any]]: ...

    @overload
    def sent(self, method_type: type[M]) -> list[M]: ...

    def sent(self, method_type: type[M] | None = None) -> list[TelegramMethod[Any]] | list[M]:
        """The recorded requests of this type (all of them if no type), in order."""
        if method_type is None:
            return list(self.requests)
        return [request for request in self.requests if isinstance(request, method_type)]

    def last(self, method_type: type[M]) -> M:
        """The most recent request of this type; ``AssertionError`` if there was none."""
        requests = self.sent(method_type)
        if not requests:
            made = [type(request).__name__ for request in self.requests]
            raise AssertionError(f"No {method_type.__name__} was sent; requests: {made}")
        return requests[-1]

    def texts(self) -> list[str]:
        """The text of every ``SendMessage`` and ``EditMessageText``, in order."""
        texts: list[str] = []
        for request in self.requests:
            if isinstance(request, SendMessage | EditMessageText) and request.text is not None:
                texts.append(request.text)
        return texts

    def clear(self) -> None:
        """Forget the recorded requests (queued answers are kept)."""
        self.requests.clear()

    def queue_response(
        self,
        method_type: type[TelegramMethod[TelegramType]],
        result_or_exception: TelegramType | BaseException | dict[str, Any] | list[Any],
    ) -> None:
        """Shortcut for ``bot.session.queue_response``."""
        self.session.queue_response(method_type, result_or_exception)


def _sent_media(method: SendVoice | SendVideo | SendAudio | SendVideoNote) -> dict[str, Any]:
    """A voice, video, audio or round video sent by its file id, as Telegram echoes it."""
    if isinstance(method, SendVoice):
        file_id, kind = str(method.voice), "voice"
        media: Any = Voice(file_id=file_id, file_unique_id=f"{file_id}-u", duration=1)
    elif isinstance(method, SendVideo):
        file_id, kind = str(method.video), "video"
        media = Video(file_id=file_id, file_unique_id=f"{file_id}-u", width=1, height=1, duration=1)
    elif isinstance(method, SendAudio):
        file_id, kind = str(method.audio), "audio"
        media = Audio(file_id=file_id, file_unique_id=f"{file_id}-u", duration=1)
    else:
        file_id, kind = str(method.video_note), "video_note"
        media = VideoNote(file_id=file_id, file_unique_id=f"{file_id}-u", length=1, duration=1)
    caption = None if isinstance(method, SendVideoNote) else method.caption
    return {kind: media, "caption": caption}


# ------------------------------------------------------------------ update factories

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)
_callback_ids = itertools.count(1)


def _user(
    user_id: int,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
) -> User:
    return User(
        id=user_id,
        is_bot=False,
        first_name=first_name,
        last_name=last_name,
        username=username,
        language_code=language_code,
    )


def _user_chat(user: User, chat_id: int | None) -> Chat:
    if chat_id is None or chat_id == user.id:
        return Chat(
            id=user.id,
            type="private",
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
        )
    return _chat_for(chat_id)


def make_message(
    user_id: int,
    text: str,
    *,
    first_name: str = "Ivan",
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "ru",
    chat_id: int | None = None,
) -> Update:
    """An update with a text message from a user (in their private chat unless ``chat_id``).

    A leading ``/command`` (with an optional ``@botname``) gets a ``bot_command`` entity, as
    Telegram adds one.
    """
    user = _user(user_id, first_name, last_name, username, language_code)
    entities: list[MessageEntity] | None = None
    if command := _COMMAND_RE.match(text):
        entities = [MessageEntity(type="bot_command", offset=0, length=_utf16_len(command.group()))]
    message = Message(
        message_id=next(_message_ids),
        date=_now(),
        chat=_user_chat(user, chat_id),
        from_user=user,
        text=text,
        entities=entities,
    )
    return Update(update_id=next(_update_ids), message=message)


def make_document(
    user_id: int,
    document: Document,
    caption: str | None = None,
    *,
    first_name: str = "Ivan",
    username: str | None = None,
    language_code: str | None = "ru",
) -> Update:
    """An update with a file the user sent (see ``MockedSession.upload``), maybe captioned;
    a caption's leading ``/command`` gets its entity, as in a text message."""
    user = _user(user_id, first_name, username=username, language_code=language_code)
    entities: list[MessageEntity] | None = None
    if caption and (command := _COMMAND_RE.match(caption)):
        entities = [MessageEntity(type="bot_command", offset=0, length=_utf16_len(command.group()))]
    message = Message(
        message_id=next(_message_ids),
        date=_now(),
        chat=_user_chat(user, None),
        from_user=user,
        document=document,
        caption=caption,
        caption_entities=entities,
    )
    return Update(update_id=next(_update_ids), message=message)


def make_rich_message(
    user_id: int,
    *,
    first_name: str = "Ivan",
    username: str | None = None,
    language_code: str | None = "ru",
    **fields: Any,
) -> Update:
    """An update with a message of any other kind: a contact card, a voice note, a photo, a
    forward (`forward_origin=…`), with the fields Telegram would give it."""
    user = _user(user_id, first_name, username=username, language_code=language_code)
    message = Message(
        message_id=next(_message_ids),
        date=_now(),
        chat=_user_chat(user, None),
        from_user=user,
        **fields,
    )
    return Update(update_id=next(_update_ids), message=message)


def make_callback(
    user_id: int,
    data: str,
    *,
    message_id: int = 1,
    message_text: str = "",
    chat_id: int | None = None,
    first_name: str = "Ivan",
    language_code: str | None = "ru",
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Update:
    """An update with a callback query: the user pressed a button under the bot's message
    (which carries its keyboard, as Telegram's does, when `reply_markup` is given)."""
    user = _user(user_id, first_name, language_code=language_code)
    chat = _user_chat(user, chat_id)
    message = Message(
        message_id=message_id,
        date=_now(),
        chat=chat,
        from_user=BOT_USER,
        text=message_text,
        reply_markup=reply_markup,
    )
    callback = CallbackQuery(
        id=str(next(_callback_ids)),
        from_user=user,
        chat_instance=str(zlib.crc32(f"{BOT_USER.id}:{chat.id}".encode())),
        message=message,
        data=data,
    )
    return Update(update_id=next(_update_ids), callback_query=callback)


async def feed(dp: Dispatcher, bot: MockedBot, update: Update, **kwargs: Any) -> None:
    """Process one update through the dispatcher, as polling or a webhook would."""
    await dp.feed_update(bot, update, **kwargs)
