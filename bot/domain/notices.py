"""Notifications the bot sends on its own, and when it may send them."""

from __future__ import annotations

import math
from collections import deque
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


# The kinds of list notices: a person's lists go at least `list_spacing` apart.
LIST_KINDS = frozenset({"reminder", "agenda", "stall", "escalation", "overdue"})


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
    """How the sender keeps Telegram's limits, retries and spares people floods."""

    global_per_second: float = 30.0
    per_chat_interval: float = 1.0
    # The share of the global rate left unused, so Telegram's count never reaches its limit.
    margin: float = 0.03
    base_backoff: float = 1.0
    # While Telegram is unreachable, one probe at least this often: an outage ends in seconds.
    max_backoff: float = 30.0
    # A revoked token: every item fails alike, so wait long between tries.
    hold_seconds: float = 300.0
    # Longer than a two-part send that times out twice, with the database's busy retries.
    lease_seconds: float = 180.0
    # One claim takes about this much of the global budget.
    batch_seconds: float = 1.0
    # How soon to claim again while notices are going out (a chat's next one waits for it).
    busy_seconds: float = 0.2
    # Shorter than the lease, so a hung request ends before another worker may take the item.
    send_timeout: float = 20.0
    # Unsolicited messages to one person in an hour; past it, lists wait and go as one.
    hourly_cap: int = 10
    # A person's list messages at least this far apart; what comes sooner waits and joins.
    list_spacing: timedelta = timedelta(seconds=60)
    # How long a notice with neither a ref nor an expiry stays worth sending.
    horizon: timedelta = timedelta(days=2)
    extra: dict[str, Any] = field(default_factory=dict)

    def backoff(self, failures: int) -> float:
        """Seconds to wait after the `failures`-th failure in a row: exponential, capped."""
        return float(min(self.max_backoff, self.base_backoff * 2 ** max(0, failures - 1)))

    @property
    def claim_limit(self) -> int:
        """How many items one claim takes: one batch's share of the global budget."""
        return max(1, math.ceil(self.global_per_second * self.batch_seconds))


# Telegram's limit in a group chat: 20 messages a minute.
GROUP_LIMIT = 20
GROUP_WINDOW = 60.0

# Times reach the pacer through datetimes, rounded to microseconds.
_TOLERANCE = 2e-6


class Pacer:
    """Telegram's limits as a schedule of send starts, on any steady clock in seconds.

    Starts go on a grid of `1/per_second` steps, one a step. A send that wakes up more than
    `max_late` after its step takes a new one (unless nothing started for two steps), so late
    wake-ups do not bunch: a one-second window holds about `per_second × (1 + max_late) + 1`
    starts at most, and the sender's margin keeps that within Telegram's 30. A chat's next
    start is `per_chat_interval` after Telegram answered its previous send (`done`), which
    keeps the arrivals Telegram sees that far apart whatever the network's jitter.
    """

    def __init__(
        self,
        per_second: float,
        per_chat_interval: float,
        max_late: float = 0.03,
        limit: int | None = None,
        group_limit: int = GROUP_LIMIT,
        group_window: float = GROUP_WINDOW,
    ) -> None:
        self.spacing = 1.0 / per_second
        self.per_chat_interval = per_chat_interval
        self.max_late = max_late
        # Telegram's own count: any `limit` + 1 starts in a row span `limit` steps at least,
        # whatever happened to their wake-ups, so each arrival may be late by the margin
        # (`limit` steps − 1 s: 31 ms at 30/s with 3 %) and no second holds more than `limit`.
        self.limit = limit if limit is not None else math.ceil(per_second - _TOLERANCE)
        self.window = self.limit * self.spacing
        self._starts: deque[float] = deque(maxlen=self.limit)
        self.paused_all = -math.inf
        self._booked: set[int] = set()  # steps waiting for their send
        self._spent: set[int] = set()  # steps a send started in
        self._reserved: dict[int, int] = {}  # chat → its booked step
        self._chat_free: dict[int, float] = {}
        self._paused: dict[int, float] = {}
        self._last_start = -math.inf
        # A group chat (a negative id) takes at most `group_limit` starts in any
        # `group_window` seconds: Telegram's 20 messages a minute in a group.
        self.group_limit, self.group_window = group_limit, group_window
        self._group_starts: dict[int, deque[float]] = {}

    def _group_free(self, chat: int) -> float:
        """When the group has room for one more start (the past when it has room now)."""
        starts = self._group_starts.get(chat)
        if starts is None or len(starts) < self.group_limit:
            return -math.inf
        return starts[0] + self.group_window

    def reserve(self, chat: int, now: float) -> float:
        """When the chat's next send may start; that step is booked for it until `start`."""
        self._forget(now)
        self._release(chat)
        ready = max(now, self.paused(chat), self._chat_free.get(chat, now), self._group_free(chat))
        if len(self._starts) == self.limit:
            ready = max(ready, self._starts[0] + self.window)
        step = math.ceil((ready - _TOLERANCE) / self.spacing)
        while step in self._booked or step in self._spent:
            step += 1
        self._booked.add(step)
        self._reserved[chat] = step
        return step * self.spacing

    def due(self, chat: int) -> float:
        """When the chat's booked step may start: its step, or a little later when the last
        `limit` starts (some of them late) would otherwise fall within one window."""
        step = self._reserved.get(chat)
        at = -math.inf if step is None else step * self.spacing
        if len(self._starts) == self.limit:
            return max(at, self._starts[0] + self.window)
        return at

    def start(self, chat: int, now: float) -> bool:
        """At the moment of sending: may it go now? If so its step is spent."""
        step = self._reserved.get(chat)
        at = self.due(chat)
        self._release(chat)
        if step is None:
            return False
        free = max(
            self.paused(chat), self._chat_free.get(chat, -math.inf), at, self._group_free(chat)
        )
        if now < free - _TOLERANCE:
            return False
        # Late past `max_late`, it may still go when nothing started for two steps: on a
        # machine that always wakes up late the sender slows down instead of stopping.
        if now > at + self.max_late and now - self._last_start < 2 * self.spacing:
            return False
        self._spent.add(step)
        self._last_start = now
        self._starts.append(now)
        if chat < 0:
            self._group_starts.setdefault(chat, deque(maxlen=self.group_limit)).append(now)
        return True

    def done(self, chat: int, now: float) -> None:
        """Telegram answered a send to the chat (whatever it said)."""
        self._chat_free[chat] = max(self._chat_free.get(chat, now), now + self.per_chat_interval)

    def pause(self, until: float, chat: int | None = None) -> None:
        """Telegram asked to wait, or cannot be reached: nothing to the chat (or at all)."""
        if chat is None:
            self.paused_all = max(self.paused_all, until)
        else:
            self._paused[chat] = max(self._paused.get(chat, until), until)

    def paused(self, chat: int) -> float:
        return max(self._paused.get(chat, -math.inf), self.paused_all)

    def cancel(self, chat: int) -> None:
        """The chat's booked step will not be used (its send was put back or stopped)."""
        self._release(chat)

    def _release(self, chat: int) -> None:
        step = self._reserved.pop(chat, None)
        if step is not None:
            self._booked.discard(step)

    def _forget(self, now: float) -> None:
        # Records in the past constrain nothing; keep them short.
        if len(self._spent) > 1000:
            first = math.floor(now / self.spacing) - 1
            self._spent = {k for k in self._spent if k >= first}
        if len(self._group_starts) > 1000:
            for group in [
                g for g, t in self._group_starts.items() if t[-1] <= now - self.group_window
            ]:
                del self._group_starts[group]
        if len(self._chat_free) + len(self._paused) > 1000:
            for times in (self._chat_free, self._paused):
                for chat in [c for c, t in times.items() if t <= now]:
                    del times[chat]
