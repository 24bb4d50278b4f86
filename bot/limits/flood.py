"""Flood control: how fast a person may send updates, and how often run a heavy command.

Each person has a bucket of updates (a burst at once, then one every so many seconds): past
it their updates are dropped before anything else is done with them, and the first dropped
one of an episode is answered with one "slow down". Heavy commands (reports, charts, exports,
the digest) have a bucket of their own, answered with "try again in N s".

Who is a team member is known only once the database has been read, and the check comes
before that. So the check reads a mark instead: a team member's id marked after one of their
updates was handled (kept a day, with their language for the "slow down"). Anyone unmarked
(a stranger, a client answering a survey, someone switched off, or a team member's first
update after a day of silence) gets the smallest bucket, which one update a few seconds
still fits; a newcomer who joins through an invite is marked with their next update.

The buckets live in this process's memory (`MemoryBuckets`) or, with REDIS_URL, in Redis
(`RedisBuckets`), so a person's budget is the same whichever process handles their update.
Times are seconds from the caller's clock, which tests move.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Protocol

STAFF_MARK_SECONDS = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Rate:
    """A burst of `burst` at once, then one every `every` seconds."""

    burst: int
    every: float


@dataclass(frozen=True, slots=True)
class FloodPolicy:
    # A team member: ten at once (a few quick taps, a batch of forwarded messages), then
    # two a second; one tap a second is never limited.
    staff: Rate = Rate(burst=10, every=0.5)
    # Strangers and clients: four at once, then one every five seconds.
    others: Rate = Rate(burst=4, every=5.0)
    # Reports, charts, exports, the digest and their buttons: ten at once (a head going
    # through every report of the week), then one every ten seconds.
    heavy: Rate = Rate(burst=10, every=10.0)
    # One warning an episode: the next comes after this long without a dropped update.
    quiet: float = 60.0


class Refusal(enum.Enum):
    FLOOD = "flood"  # too many updates: dropped
    HEAVY = "heavy"  # too many heavy commands: answered "try again in N s"


@dataclass(frozen=True, slots=True)
class Verdict:
    refused: Refusal | None = None
    wait: float = 0.0  # seconds until the next one would be taken
    warn: bool = False  # the first refusal of an episode: say so, once
    known: str | None = None  # a marked team member's language


class Buckets(Protocol):
    """Where the buckets and marks are kept."""

    async def take(self, key: str, rate: Rate, now: float) -> float:
        """Take one from the bucket: 0 if taken, else the seconds until one would be."""
        ...

    async def first(self, key: str, quiet: float, now: float) -> bool:
        """True if no call with this key came within `quiet` seconds before this one."""
        ...

    async def get(self, key: str, now: float) -> str | None: ...

    async def put(self, key: str, value: str | None, ttl: float, now: float) -> None: ...


def gcra(tat: float | None, rate: Rate, now: float) -> tuple[float, float]:
    """A bucket as one number, the time it would be empty again (`tat`): the wait (0: taken)
    and the new `tat`."""
    start = max(tat if tat is not None else now, now)
    new = start + rate.every
    allowed_at = new - rate.burst * rate.every
    if allowed_at > now + 1e-9:
        return allowed_at - now, start
    return 0.0, new


@dataclass
class MemoryBuckets:
    """The buckets of a process that handles every update itself."""

    limit: int = 10_000  # entries kept before the expired ones are swept
    _tats: dict[str, float] = field(default_factory=dict)
    _until: dict[str, float] = field(default_factory=dict)
    _values: dict[str, tuple[str, float]] = field(default_factory=dict)
    _swept: int = 0  # entries left live by the last sweep

    async def take(self, key: str, rate: Rate, now: float) -> float:
        wait, self._tats[key] = gcra(self._tats.get(key), rate, now)
        self._sweep(now)
        return wait

    async def first(self, key: str, quiet: float, now: float) -> bool:
        fresh = self._until.get(key, -math.inf) <= now
        self._until[key] = now + quiet
        return fresh

    async def get(self, key: str, now: float) -> str | None:
        value, until = self._values.get(key, ("", -math.inf))
        return value if until > now else None

    async def put(self, key: str, value: str | None, ttl: float, now: float) -> None:
        if value is None:
            self._values.pop(key, None)
        else:
            self._values[key] = (value, now + ttl)

    def _sweep(self, now: float) -> None:
        size = len(self._tats) + len(self._until) + len(self._values)
        if size > max(self.limit, self._swept * 2):
            self._tats = {k: t for k, t in self._tats.items() if t > now}
            self._until = {k: t for k, t in self._until.items() if t > now}
            self._values = {k: v for k, v in self._values.items() if v[1] > now}
            # What is still live is swept again once it has doubled, not at every update.
            self._swept = len(self._tats) + len(self._until) + len(self._values)


class FloodControl:
    """Decides, before an update is handled, whether it is; learns who is a team member."""

    def __init__(self, buckets: Buckets, policy: FloodPolicy | None = None) -> None:
        self._buckets = buckets
        self.policy = policy or FloodPolicy()

    async def check(self, user: int, heavy: bool, now: float) -> Verdict:
        known = await self._buckets.get(f"staff:{user}", now)
        # A bucket for each: one who just joined starts the team's afresh.
        kind, rate = ("others", self.policy.others)
        if known is not None:
            kind, rate = ("staff", self.policy.staff)
        if wait := await self._buckets.take(f"updates:{kind}:{user}", rate, now):
            return await self._refuse(Refusal.FLOOD, user, wait, now, known)
        if heavy and (wait := await self._buckets.take(f"heavy:{user}", self.policy.heavy, now)):
            return await self._refuse(Refusal.HEAVY, user, wait, now, known)
        return Verdict(known=known)

    async def learn(
        self, user: int, staff_language: str | None, known: str | None, now: float
    ) -> None:
        """After an update was handled: whether its sender is a team member (their language)
        or not (None), where the check found `known`."""
        if staff_language != known:
            await self._buckets.put(f"staff:{user}", staff_language, STAFF_MARK_SECONDS, now)

    async def _refuse(
        self, refusal: Refusal, user: int, wait: float, now: float, known: str | None
    ) -> Verdict:
        warn = await self._buckets.first(f"warned:{refusal.value}:{user}", self.policy.quiet, now)
        return Verdict(refusal, wait, warn, known)
