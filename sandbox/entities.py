"""Telegram's checks on what a bot sends: HTML parse mode, lengths, callback data."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_ALERT = 200
ALLOWED_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
        "a", "code", "pre", "blockquote", "tg-emoji",
    }
)  # fmt: skip


class BadRequest(Exception):
    """A 400 answer, worded like Telegram's ("Bad Request: ...")."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = f"Bad Request: {description}"


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.plain: list[str] = []

    def _where(self) -> str:
        line, column = self.getpos()
        return f"line {line}, column {column}"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise BadRequest(
                f'can\'t parse entities: Unsupported start tag "{tag}" at {self._where()}'
            )
        if tag == "a" and not dict(attrs).get("href"):
            raise BadRequest(f"can't parse entities: Can't find end of a URL at {self._where()}")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise BadRequest(f'can\'t parse entities: Unsupported start tag "{tag}" at {self._where()}')

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
            return
        if tag in self.stack:  # an inner tag is still open
            raise BadRequest(
                "can't parse entities: Can't find end tag corresponding to start tag "
                f'"{self.stack[-1]}"'
            )
        expected = f"</{self.stack[-1]}>" if self.stack else "nothing"
        raise BadRequest(
            f"can't parse entities: Unmatched end tag at {self._where()}, "
            f'expected "{expected}", found "</{tag}>"'
        )

    def handle_data(self, data: str) -> None:
        self.plain.append(data)


def plain_text(text: str, parse_mode: str | None) -> str:
    """The text a user sees; HTML that Telegram would refuse raises BadRequest."""
    if (parse_mode or "").upper() != "HTML":
        return text
    parser = _Parser()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise BadRequest(
            "can't parse entities: Can't find end tag corresponding to start tag "
            f'"{parser.stack[-1]}"'
        )
    return "".join(parser.plain)


def check_text(text: Any, parse_mode: str | None, *, caption: bool = False) -> str:
    """Validate a message text or caption; the plain text it shows."""
    if text is None or text == "":
        if caption:
            return ""
        raise BadRequest("message text is empty")
    plain = plain_text(str(text), parse_mode)
    if not caption and not plain.strip():
        raise BadRequest("message text is empty")
    limit = MAX_CAPTION if caption else MAX_TEXT
    if len(plain) > limit:
        raise BadRequest("message caption is too long" if caption else "message is too long")
    return plain


def check_markup(markup: Any) -> dict[str, Any] | None:
    """Inline or reply keyboard as sent; callback data must be 1–64 bytes."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise BadRequest("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise BadRequest("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise BadRequest("BUTTON_DATA_INVALID")
    return markup
