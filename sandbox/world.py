"""The simulated Telegram: users, private chats with the bot, the update queue, stored files.

Everything lives in memory and outlives a restart of the HTTP server, so a test can take the
server away and bring it back while the bot keeps polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BOT_ID = 7000000001
BOT_USERNAME = "salesbot_sandbox_bot"


@dataclass
class StoredFile:
    data: bytes
    name: str
    mime: str
    duration: int = 0  # seconds, for a voice note or a video


@dataclass
class Faults:
    """Misbehaviour to inject: Telegram's limits and a flaky network."""

    flood: int = 0  # the next this many sending calls answer 429
    flood_chat: int | None = None  # ... only those to this chat (Telegram's per-chat limit)
    retry_after: int = 1
    blocked: set[int] = field(default_factory=set)  # chats whose user blocked the bot
    drop_polls: int = 0  # the next this many getUpdates calls lose their connection
    # Telegram unreachable: every Bot API request loses its connection unanswered ...
    refuse: bool = False
    # ... or is held unanswered until this is lifted, then dropped (it was never processed).
    hang: bool = False
    # Telegram's limits enforced to the letter (see `RateGate`): beyond them, 429.
    strict: bool = False


@dataclass(frozen=True, slots=True)
class Delivery:
    """A message Telegram accepted: when it arrived (monotonic seconds), where, what it said."""

    at: float
    chat: int
    method: str
    text: str


@dataclass
class RateGate:
    """Telegram's flood limits with no forgiveness: at most `per_second` accepted sends in any
    one-second window, and one send per chat per `per_chat` seconds (sliding, at arrival)."""

    per_second: int = 30
    per_chat: float = 1.0
    _window: deque[float] = field(default_factory=deque)
    _last: dict[int, float] = field(default_factory=dict)

    def admit(self, chat: int | None, now: float) -> int:
        """0: taken (and counted); else the whole seconds to wait, as Telegram's retry_after."""
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        waits = []
        if len(self._window) >= self.per_second:
            waits.append(self._window[0] + 1.0 - now)
        last = self._last.get(chat) if chat is not None else None
        if last is not None and now - last < self.per_chat:
            waits.append(last + self.per_chat - now)
        if waits:
            return max(1, math.ceil(max(waits)))
        self._window.append(now)
        if chat is not None:
            self._last[chat] = now
        return 0

    def release(self, chat: int | None, at: float) -> None:
        """A send taken by `admit` that Telegram refused after all (400, 403): it uses nothing."""
        with contextlib.suppress(ValueError):
            self._window.remove(at)
        if chat is not None and self._last.get(chat) == at:
            del self._last[chat]


@dataclass
class World:
    """Chats, updates and files; `changed` wakes the page and the long polls."""

    clock: Any = time.time  # seconds; the sandbox's jumped clock when running the demo
    users: dict[int, dict[str, Any]] = field(default_factory=dict)
    chats: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    reply_keyboards: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    alerts: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, StoredFile] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)  # unanswered callback id → user
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # setWebhook's url, secret_token and allowed_updates while one is set (getUpdates refused)
    webhook: dict[str, Any] | None = None
    # Where new updates go instead of the getUpdates queue: a poster playing Telegram's side
    # of the webhook (`sandbox.webhook.WebhookPoster`) takes each one as it is made.
    outlet: Callable[[dict[str, Any]], None] | None = None
    faults: Faults = field(default_factory=Faults)
    confirmed: int = 0  # every update below this id was confirmed by the bot
    polls: int = 0  # getUpdates calls answered or dropped
    polling: bool = False  # a getUpdates call has come: the bot is up
    calls: list[tuple[float, str, int | None, int]] = field(default_factory=list)  # sends
    deliveries: list[Delivery] = field(default_factory=list)  # accepted sends, in order
    throttled: int = 0  # 429 answers given, by the strict limits or an injected flood
    # Every answerCallbackQuery, taken or refused: (monotonic seconds, callback query id, ok).
    answers: list[tuple[float, str, bool]] = field(default_factory=list)
    dropped: int = 0  # Bot API requests that lost their connection to `refuse` or `hang`
    gate: RateGate = field(default_factory=RateGate)
    version: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition | None = None

    # ------------------------------------------------------------------ users

    def user(self, user_id: int, first_name: str = "", **extra: Any) -> dict[str, Any]:
        """A Telegram account, created on first use."""
        user = self.users.get(user_id)
        if user is None:
            user = {"id": user_id, "is_bot": False, "first_name": first_name or f"User {user_id}"}
            self.users[user_id] = user
            self.chats.setdefault(user_id, [])
        elif first_name:
            user["first_name"] = first_name
        user.update({k: v for k, v in extra.items() if v is not None})
        return user

    def chat(self, user_id: int) -> dict[str, Any]:
        user = self.users[user_id]
        chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        if user.get("username"):
            chat["username"] = user["username"]
        return chat

    def menu(self, user_id: int) -> list[dict[str, Any]]:
        """The command menu Telegram would show this user: the narrowest scope that has one."""
        lang = self.users.get(user_id, {}).get("language_code") or ""
        scopes = ({"type": "chat", "chat_id": user_id}, {"type": "all_private_chats"},
                  {"type": "default"})  # fmt: skip
        for scope in scopes:
            for code in (lang, ""):
                found = self.commands.get(f"{json.dumps(scope, sort_keys=True)}|{code}")
                if found:
                    return found
        return []

    @staticmethod
    def bot_user() -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Salesbot", "username": BOT_USERNAME}

    # ------------------------------------------------------------------ updates

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def touch(self) -> None:
        self.version += 1
        changed = self._condition()
        async with changed:
            changed.notify_all()

    async def wait_change(self, version: int, seconds: float) -> None:
        """Until something changes after `version`, or `seconds` pass."""
        changed = self._condition()
        async with changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    changed.wait_for(lambda: self.version != version), max(seconds, 0)
                )

    async def push_update(self, body: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **body}
        if self.outlet is not None:
            self.outlet(update)
        else:
            self.updates.append(update)
        await self.touch()
        return update_id

    def pending(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        """getUpdates: an offset confirms (and forgets) every update below it."""
        if offset is not None and offset > self.confirmed:
            self.confirmed = offset
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        return self.updates[:limit]

    # ------------------------------------------------------------------ what users do

    async def user_sends(self, user_id: int, text: str, **who: Any) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return await self.user_sends_content(user_id, content, **who)

    async def user_sends_content(
        self, user_id: int, content: dict[str, Any], **who: Any
    ) -> dict[str, Any]:
        """A message of any kind from the user: text, a contact card, a voice note, a forward."""
        user = self.user(user_id, **who)
        message = {
            "message_id": next(self._ids),
            "from": user,
            "chat": self.chat(user_id),
            "date": int(self.clock()),
            **content,
        }
        self.chats[user_id].append({**message, "out": False})
        await self.push_update({"message": message})
        return message

    async def user_presses(self, user_id: int, message_id: int, data: str) -> str:
        message = self.find(user_id, message_id)
        if message is None:
            raise KeyError(message_id)
        query_id = secrets.token_hex(8)
        self.queries[query_id] = user_id
        await self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.users[user_id],
                    "chat_instance": str(user_id),
                    "message": self.public(message),
                    "data": data,
                }
            }
        )
        return query_id

    # ------------------------------------------------------------------ what the bot does

    def find(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        for message in self.chats.get(chat_id, []):
            if message["message_id"] == message_id and not message.get("deleted"):
                return message
        return None

    async def bot_sends(self, chat_id: int, **content: Any) -> dict[str, Any]:
        markup = content.pop("reply_markup", None)
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "from": self.bot_user(),
            "chat": self.chat(chat_id),
            "date": int(self.clock()),
            **content,
        }
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        elif markup and ("keyboard" in markup or markup.get("remove_keyboard")):
            self.reply_keyboards[chat_id] = None if markup.get("remove_keyboard") else markup
        self.chats[chat_id].append({**message, "out": True})
        await self.touch()
        return message

    def store_file(self, data: bytes, name: str, mime: str, duration: int = 0) -> str:
        file_id = f"F{secrets.token_hex(10)}"
        self.files[file_id] = StoredFile(data, name, mime, duration)
        return file_id

    @staticmethod
    def public(message: dict[str, Any]) -> dict[str, Any]:
        """The message as the Bot API returns it (without the sandbox's own marks)."""
        return {
            k: v
            for k, v in message.items()
            if k not in ("out", "deleted", "raw", "parse_mode", "edited")
        }
