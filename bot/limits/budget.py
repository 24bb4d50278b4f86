"""The outgoing budget: when a send to a chat may start, so Telegram never sees a limit broken.

Telegram allows a bot about 30 messages a second in all, one a second in a chat and 20 a
minute in a group. Every send takes a turn from one budget: the outbox's sender for each part
of a notice (inside `booked()`), and the request middleware (`bot.limits.requests`) for what
handlers send in answer to an update. A process that sends alone keeps the budget in its own
`Pacer` (`LocalBudget`); with REDIS_URL every process behind the token takes its turns from
one budget in Redis (`bot.limits.redis_budget.RedisBudget`).
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol

from bot.domain.notices import DeliveryPolicy, Pacer

Seconds = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
# How long a paused chat's start may be away for its sender to wait, asked again each time
# (the sender stops waiting the moment Telegram turns out to be unreachable).
Patience = Callable[[], float]

# Requests made while this is set took their turn already (the sender books its own).
_booked: ContextVar[bool] = ContextVar("salesbot_send_booked", default=False)
# Pacer keys for sends that count only toward the bot's rate: far from any chat id.
_ANONYMOUS = 1 << 62


def forever() -> float:
    """A caller that waits out any pause (a handler's answer)."""
    return math.inf


class SendBudget(Protocol):
    """Telegram's limits as turns to send; times are seconds on the caller's clock."""

    @property
    def paused_all(self) -> float:
        """Until when this process sends nothing (Telegram unreachable, the token refused)."""
        ...

    async def turn(self, chat: int | None, patience: Patience = forever) -> bool:
        """Wait for the chat's next start and take it (None: a send that counts only toward
        the bot's rate, such as an edit). False, with nothing taken, when the chat is paused
        and its start is more than `patience()` seconds away."""
        ...

    async def done(self, chat: int | None) -> None:
        """Telegram answered the send a turn was taken for (whatever it said)."""
        ...

    async def seen(self, chat: int, at: float) -> None:
        """A send to the chat was answered at `at`, by this process or another."""
        ...

    async def pause(self, until: float, chat: int | None = None) -> None:
        """Telegram asked the chat to wait (429); without a chat, this process holds all."""
        ...

    async def paused(self, chat: int) -> float:
        """Until when the chat is paused (a moment in the past when it is not)."""
        ...


@contextmanager
def booked() -> Iterator[None]:
    """The requests made inside have their turn already: the request middleware lets them by."""
    token = _booked.set(True)
    try:
        yield
    finally:
        _booked.reset(token)


def is_booked() -> bool:
    return _booked.get()


class LocalBudget:
    """The budget of a process that sends alone: its `Pacer`, on the caller's clock and sleep.

    The pacer books one send per chat at a time; the sender keeps to that by itself (the
    outbox hands out one notice a chat), and a chat's lock here makes a handler's answer to
    the same chat wait for the sender's send to be answered, and the other way round."""

    def __init__(self, policy: DeliveryPolicy, seconds: Seconds, sleep: Sleep = asyncio.sleep):
        self._pacer = Pacer(
            policy.global_per_second * (1 - policy.margin),
            policy.per_chat_interval,
            limit=math.floor(policy.global_per_second),
        )
        self._seconds, self._sleep = seconds, sleep
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}  # chat → its lock, users
        self._anonymous = itertools.count(_ANONYMOUS)

    @property
    def paused_all(self) -> float:
        return self._pacer.paused_all

    async def turn(self, chat: int | None, patience: Patience = forever) -> bool:
        if chat is None:
            return await self._take(next(self._anonymous), patience)
        await self._lock(chat)
        try:
            taken = await self._take(chat, patience)
        except BaseException:
            self._unlock(chat)
            raise
        if not taken:
            self._unlock(chat)
        return taken

    async def _take(self, key: int, patience: Patience) -> bool:
        try:
            while True:
                now = self._seconds()
                at = self._pacer.reserve(key, now)
                if self._pacer.paused(key) > now and at - now > patience():
                    return False
                if at > now:
                    await self._sleep(at - now)
                if (hold := self._pacer.due(key) - self._seconds()) > 0:
                    await self._sleep(hold)  # a late start a second ago still counts
                if self._pacer.start(key, self._seconds()):
                    return True
        finally:
            self._pacer.cancel(key)  # a step booked and not spent (put back, cancelled)

    async def done(self, chat: int | None) -> None:
        if chat is not None:
            self._pacer.done(chat, self._seconds())
            self._unlock(chat)

    async def seen(self, chat: int, at: float) -> None:
        self._pacer.done(chat, at)

    async def pause(self, until: float, chat: int | None = None) -> None:
        self._pacer.pause(until, chat)

    async def paused(self, chat: int) -> float:
        return self._pacer.paused(chat)

    async def _lock(self, chat: int) -> None:
        lock, users = self._locks.get(chat) or (asyncio.Lock(), 0)
        self._locks[chat] = (lock, users + 1)
        try:
            await lock.acquire()
        except BaseException:
            self._forget(chat)
            raise

    def _unlock(self, chat: int) -> None:
        held = self._locks.get(chat)
        if held is not None and held[0].locked():
            held[0].release()
            self._forget(chat)

    def _forget(self, chat: int) -> None:
        lock, users = self._locks[chat]
        if users <= 1:
            del self._locks[chat]
        else:
            self._locks[chat] = (lock, users - 1)
