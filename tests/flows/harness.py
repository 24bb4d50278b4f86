"""People who talk to the bot in tests: send text, press buttons, read what came back."""

from __future__ import annotations

from dataclasses import dataclass, field
from string import Formatter
from typing import Any

from aiogram import Dispatcher
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageCaption,
    EditMessageMedia,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup

from bot.i18n import translator
from tests.mocked_bot import (
    MockedBot,
    feed,
    make_callback,
    make_document,
    make_message,
    make_rich_message,
)


class Said:
    """What the bot says for a catalog key, filled the way a handler fills it.

    Tests compare the bot's answers with `said("deals.created", title=...)` rather than
    literal text, so rewording a text in the catalog does not break them; `said.n` is the
    plural form and `said.of("en")` the same in another language.
    """

    def __init__(self, lang: str = "ru") -> None:
        self.lang = lang

    def __call__(self, key: str, /, **params: object) -> str:
        return translator(self.lang)(key, **params)

    def n(self, key: str, count: int, /, **params: object) -> str:
        return translator(self.lang).n(key, count, **params)

    def part(self, key: str, /, **params: object) -> str:
        """A stretch of the text between the parameters not given (a time, a count the test
        does not know), for `in` checks: the longest one holding a given parameter, or the
        longest one when none is given."""
        t = translator(self.lang)
        mark = "\x00"
        names = {field for _, field, _, _ in Formatter().parse(t(key)) if field}
        pieces = t(key, **{**dict.fromkeys(names, mark), **params}).split(mark)
        holding = [p for p in pieces if any(str(v) in p for v in params.values())]
        return max(holding or pieces, key=len)

    def of(self, lang: str) -> Said:
        return Said(lang)


said = Said()


@dataclass
class Person:
    """One Telegram account in a private chat with the bot."""

    dp: Dispatcher
    bot: MockedBot
    tg_id: int
    name: str = "Ivan"
    lang: str = "ru"
    username: str | None = None
    replies: list[TelegramMethod[Any]] = field(default_factory=list)

    async def _feed(self, update: Any) -> list[TelegramMethod[Any]]:
        before = len(self.bot.requests)
        await feed(self.dp, self.bot, update)
        self.replies = self.bot.requests[before:]
        return self.replies

    async def send(self, text: str) -> list[TelegramMethod[Any]]:
        return await self._feed(
            make_message(
                self.tg_id,
                text,
                first_name=self.name,
                username=self.username,
                language_code=self.lang,
            )
        )

    async def send_document(
        self, content: bytes, file_name: str = "file.csv", caption: str | None = None
    ) -> list[TelegramMethod[Any]]:
        """Send a file (as a document), with an optional caption such as a command."""
        document = self.bot.session.upload(content, file_name)
        return await self._feed(
            make_document(
                self.tg_id,
                document,
                caption,
                first_name=self.name,
                username=self.username,
                language_code=self.lang,
            )
        )

    async def send_message(self, **fields: Any) -> list[TelegramMethod[Any]]:
        """Send a message of another kind: `contact=…`, `voice=…`, `forward_origin=…`."""
        return await self._feed(
            make_rich_message(
                self.tg_id,
                first_name=self.name,
                username=self.username,
                language_code=self.lang,
                **fields,
            )
        )

    async def press(self, label: str) -> list[TelegramMethod[Any]]:
        """Press the newest inline button whose text contains `label`."""
        message, data = self.find_button(label)
        return await self.press_data(data, message.message_id)

    async def press_data(
        self, data: str, message_id: int = 1, markup: InlineKeyboardMarkup | None = None
    ) -> list[TelegramMethod[Any]]:
        return await self._feed(
            make_callback(
                self.tg_id,
                data,
                message_id=message_id,
                first_name=self.name,
                language_code=self.lang,
                reply_markup=markup,
            )
        )

    async def press_in_place(self, label: str) -> list[TelegramMethod[Any]]:
        """Press a button the way Telegram reports it: with the keyboard it was pressed on."""
        message, data = self.find_button(label)
        markup = message.reply_markup
        assert isinstance(markup, InlineKeyboardMarkup)
        return await self.press_data(data, message.message_id, markup)

    def messages(self) -> list[Message]:
        return self.bot.session.messages(self.tg_id)

    def find_button(self, label: str) -> tuple[Message, str]:
        for message in reversed(self.messages()):
            markup = message.reply_markup
            if not isinstance(markup, InlineKeyboardMarkup):
                continue
            for row in markup.inline_keyboard:
                for button in row:
                    if label in button.text and button.callback_data:
                        return message, button.callback_data
        labels = [
            b.text
            for m in self.messages()
            if isinstance(m.reply_markup, InlineKeyboardMarkup)
            for r in m.reply_markup.inline_keyboard
            for b in r
        ]
        raise AssertionError(f"no button with {label!r}; buttons: {labels}")

    def card_buttons(self) -> list[str]:
        """Labels of the newest deal card's keyboard."""
        return self.buttons(of="💼")

    def buttons(self, of: str = "") -> list[str]:
        """Labels of the newest inline keyboard (on a message starting with `of`)."""
        for message in reversed(self.messages()):
            if (message.text or "").startswith(of) and isinstance(
                message.reply_markup, InlineKeyboardMarkup
            ):
                return [b.text for r in message.reply_markup.inline_keyboard for b in r]
        return []

    @property
    def texts(self) -> list[str]:
        """The texts the bot sent or edited in answer to the last update."""
        sent = [r for r in self.replies if isinstance(r, SendMessage | EditMessageText)]
        return [r.text for r in sent if r.text is not None]

    @property
    def text(self) -> str:
        assert self.texts, f"the bot answered no text: {self.replies}"
        return self.texts[-1]

    @property
    def caption(self) -> str:
        """The caption of the picture the bot sent or edited in answer to the last update."""
        captions = [
            r.caption
            for r in self.replies
            if isinstance(r, SendPhoto | EditMessageCaption) and r.caption is not None
        ] + [
            r.media.caption
            for r in self.replies
            if isinstance(r, EditMessageMedia) and r.media.caption is not None
        ]
        assert captions, f"the bot sent no caption: {self.replies}"
        return captions[-1]

    @property
    def card(self) -> str:
        """The deal card among the answers (a new step prompt may come after it)."""
        cards = [text for text in self.texts if text.startswith("💼")]
        assert cards, f"no deal card in the answer: {self.texts}"
        return cards[-1]

    @property
    def documents(self) -> dict[str, bytes]:
        """The files the bot sent in answer to the last update: name to content."""
        sent = [r.document for r in self.replies if isinstance(r, SendDocument)]
        return {f.filename or "": f.data for f in sent if isinstance(f, BufferedInputFile)}

    @property
    def alert(self) -> str | None:
        answers = [r for r in self.replies if isinstance(r, AnswerCallbackQuery)]
        assert answers, "the button press was not answered"
        return answers[-1].text

    def reply_keyboard(self) -> list[str]:
        for r in reversed(self.replies):
            if isinstance(r, SendMessage) and isinstance(r.reply_markup, ReplyKeyboardMarkup):
                return [b.text for row in r.reply_markup.keyboard for b in row]
        return []
