"""Notifications the bot sends on its own, and when it may send them."""

from __future__ import annotations

import heapq
import math
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.ids import TelegramId, UserId


# What a notice or a list entry is about, checked before every try: a stale one is not sent.
# "task:<id>:<due ts>" holds while the task is open and due then; "deal:<id>:<stage id>" while
# the deal is open in that stage; "survey:<id>" while the survey waits for its answer.
def task_ref(task_id: int, due_at: datetime) -> str:
    return f"task:{task_id}:{int(due_at.timestamp())}"


def deal_stage_ref(deal_id: int, stage_id: int) -> str:
    return f"deal:{deal_id}:{stage_id}"


def survey_ref(survey_id: int) -> str:
    return f"survey:{survey_id}"


def parse_ref(ref: str) -> tuple[str, int, int | None] | None:
    """("task", 7, 1764000000), ("deal", 5, 12), ("survey", 3, None); None if not a ref."""
    kind, _, rest = ref.partition(":")
    ident, _, extra = rest.partition(":")
    try:
        return kind, int(ident), int(extra) if extra else None
    except ValueError:
        return None


Button = dict[str, Any]  # Telegram's JSON for one inline button


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a list notice (a reminder, a stalled deal, an escalation, an agenda).

    A person's list notices that are due together are sent as one message, composed by the
    notifier from their entries (`text` a line or block of HTML in the reader's language,
    `buttons` its rows of one-tap buttons); an entry whose `ref` went stale is left out.
    """

    kind: str
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    ref: str | None = None


class Merge(Enum):
    """Why a list message holds what it holds: the notifier words its header by it."""

    TOGETHER = "together"  # due at the same moment (or one notice of many entries)
    OUTAGE = "outage"  # held back while Telegram could not be reached
    HELD = "held"  # held back by the hourly cap on unsolicited messages


@dataclass(frozen=True, slots=True)
class Notice:
    """One message to one chat: text (a photo's caption when `photo` is set) and buttons.

    `dedup_key` names the notification once and for all ("task:7:due:1764000000"): enqueueing
    the same key again is a no-op, which makes every job safe to run twice.

    A notice is one unit of delivery: `album` pictures go as one album right after the text,
    and nothing else reaches the chat in between. A notice with `entries` is a list: alone and
    on time with one entry it is sent as `text`/`reply_markup`; otherwise (several entries,
    merged with the person's other lists, or late) the notifier composes it from its entries.
    `ref` and `expires_at` say how long it is worth sending: transient failures are retried
    until then, and a stale or expired notice is dropped, not failed.
    """

    chat_id: TelegramId
    kind: str
    text: str
    user_id: UserId | None = None
    dedup_key: str | None = None
    reply_markup: dict[str, Any] | None = None  # Telegram's JSON for an inline keyboard
    photo: bytes | None = None
    not_before: datetime | None = None
    album: tuple[bytes, ...] = ()
    entries: tuple[Entry, ...] = ()
    ref: str | None = None
    expires_at: datetime | None = None

    @property
    def parts(self) -> int:
        """Requests this notice takes: the message, then the album if any."""
        return 1 + (1 if self.album else 0)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A claimed notice with its delivery bookkeeping: `parts_sent` of its parts went out
    already; `why` is how its list was merged (None: never merged)."""

    id: int
    notice: Notice
    attempts: int
    created_at: datetime
    parts_sent: int = 0
    why: Merge | None = None


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Nothing is sent from `start` to `end` team time (the span may cross midnight)."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def next_allowed(now: datetime, tz: ZoneInfo, quiet: QuietHours) -> datetime:
    """`now` itself, or the end of the quiet hours it falls in (as an aware UTC time)."""
    local = now.astimezone(tz)
    if not quiet.contains(local.time()):
        return now
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    # Through the wall clock, then back to an instant: a DST change in between is respected.
    return datetime.combine(end.date(), quiet.end, tzinfo=tz).astimezone(now.tzinfo)


@dataclass
class DeliveryPolicy:
    """How the sender keeps Telegram's limits and retries."""

    global_per_second: float = 30.0
    per_chat_interval: float = 1.0
    max_attempts: int = 6
    base_backoff: float = 2.0
    max_backoff: float = 600.0
    lease_seconds: float = 60.0
    # One claim holds about this much of the global budget; the rest of a busy chat's items
    # go back to the queue, so one chat never holds the sender up.
    batch_seconds: float = 1.0
    # Shorter than the lease, so a hung request ends before another worker may take the item.
    send_timeout: float = 20.0
    extra: dict[str, Any] = field(default_factory=dict)

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the `attempts`-th failure: exponential, capped."""
        return float(min(self.max_backoff, self.base_backoff * 2 ** max(0, attempts - 1)))

    @property
    def claim_limit(self) -> int:
        """How many items one claim takes: one batch's share of the global budget."""
        return max(1, math.ceil(self.global_per_second * self.batch_seconds))


@dataclass(frozen=True, slots=True)
class Slot:
    """When an item may go (seconds on the limiter's clock); `booked` False: not this batch."""

    at: float
    booked: bool


class RateLimiter:
    """Telegram's limits as bookings: sends at least `1/per_second` apart in all, and
    `per_chat_interval` apart within a chat. Times are plain seconds on any steady clock.

    Sends go on a grid of `1/per_second` steps, one send a step: every one-second window holds
    at most `per_second` of them, and a send held back by its chat takes a whole later step,
    so the steps it skipped stay whole for later batches to fill (no budget lost to slivers).
    """

    def __init__(self, per_second: float, per_chat_interval: float) -> None:
        self.spacing = 1.0 / per_second
        self.per_chat_interval = per_chat_interval
        self._booked: set[int] = set()  # grid steps taken, not yet long past
        self._next_in_chat: dict[int, float] = {}
        self._paused: dict[int, float] = {}
        self._paused_all = -math.inf

    def plan(self, chats: Sequence[int], now: float, horizon: float) -> list[Slot]:
        """Book a batch, earliest-ready chat first; a chat's own items keep their order.

        Items that could only go after `now + horizon` are not booked: their `at` says when
        to offer them again, and other chats are not held up by them.
        """
        self._forget(now)
        queues: dict[int, deque[int]] = defaultdict(deque)
        for index, chat in enumerate(chats):
            queues[chat].append(index)
        ready = [(max(now, self._next_in_chat.get(c, now)), q[0], c) for c, q in queues.items()]
        heapq.heapify(ready)
        slots: list[Slot] = [Slot(now, False)] * len(chats)
        while ready:
            when, index, chat = heapq.heappop(ready)
            step = self._free_step(when)
            at = step * self.spacing
            slots[index] = Slot(at, at <= now + horizon)
            if slots[index].booked:
                self._booked.add(step)
                self._next_in_chat[chat] = at + self.per_chat_interval
            queues[chat].popleft()
            if queues[chat]:
                heapq.heappush(ready, (at + self.per_chat_interval, queues[chat][0], chat))
        return slots

    def pause(self, until: float, chat: int | None = None) -> None:
        """Telegram asked to wait (429): nothing more to the chat (or at all) before `until`."""
        if chat is None:
            self._paused_all = max(self._paused_all, until)
            return
        self._next_in_chat[chat] = max(self._next_in_chat.get(chat, until), until)
        self._paused[chat] = max(self._paused.get(chat, until), until)

    def paused_until(self, chat: int) -> float:
        """The end of a pause Telegram asked for, for items booked before it came."""
        return max(self._paused.get(chat, -math.inf), self._paused_all)

    def room(self, now: float, horizon: float) -> int:
        """How many more sends fit between `now` and `now + horizon`: the next claim's size."""
        first = self._step(max(now, self._paused_all))
        last = math.floor((now + horizon) / self.spacing)
        return sum(1 for k in range(first, last + 1) if k not in self._booked)

    def next_free(self, now: float) -> float:
        """The first moment from `now` on when another send could go."""
        return self._free_step(now) * self.spacing

    def _step(self, moment: float) -> int:
        # The first grid step at or after the moment (a hair of float error forgiven).
        return math.ceil(moment / self.spacing - 1e-9)

    def _free_step(self, ready: float) -> int:
        step = self._step(max(ready, self._paused_all))
        while step in self._booked:
            step += 1
        return step

    def _forget(self, now: float) -> None:
        # Steps and chat intervals in the past constrain nothing; keep the records short.
        self._booked = {k for k in self._booked if k >= self._step(now)}
        for times in (self._next_in_chat, self._paused):
            for chat in [c for c, t in times.items() if t <= now]:
                del times[chat]
