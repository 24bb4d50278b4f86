"""Reading delivery off the sandbox: which marked notices reached whom, how often, in what order.

Every notice a delivery test queues carries a mark in its text (`R0007`, `N0123`), numbered in
the order it was queued for its chat. A message may carry several marks (a catch-up list after
an outage), so a notice counts as delivered when its mark appears in any message its chat got.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import TelegramId, UserId
from bot.domain.models import Role, User
from storage.db import make_engine, make_sessions
from storage.uow import SqlUnitOfWorkFactory

MARK = re.compile(r"\b([RN]\d{4})\b")


def mark(prefix: str, number: int) -> str:
    return f"{prefix}{number:04d}"


@dataclass(frozen=True)
class Tally:
    """Lost, doubled and reordered marks, over all chats."""

    expected: int
    delivered: int  # distinct marks seen
    lost: int
    duplicates: int  # extra appearances beyond the first
    most: int  # the most times one mark appeared
    out_of_order: int  # adjacent pairs reversed, each mark at its first appearance
    out_of_order_raw: int  # the same over every appearance (a duplicate counted where it fell)

    def line(self) -> str:
        return (
            f"delivered {self.delivered}/{self.expected}, lost {self.lost}, "
            f"duplicates {self.duplicates} (one mark at most {self.most}x), "
            f"out-of-order adjacent pairs {self.out_of_order} "
            f"({self.out_of_order_raw} counting every appearance)"
        )


def hidden_total(texts: Iterable[str]) -> int:
    return sum(map(hidden, texts))


def hidden(text: str) -> int:
    """Entries a list message counts but does not show on its first page: its sections'
    titles ("⏰ Напоминания: 25") count them all, the other pages hold the rest."""
    counted = sum(int(n) for n in re.findall(r"^(?:<b>)?⏰ [^\n]*?: (\d+)(?:</b>)?$", text, re.M))
    return max(0, counted - len(MARK.findall(text)))


def _inversions(sequence: Sequence[int]) -> int:
    return sum(1 for a, b in itertools.pairwise(sequence) if a > b)


def tally(expected: Mapping[int, Sequence[str]], received: Iterable[tuple[int, str]]) -> Tally:
    """`expected`: each chat's marks in queue order; `received`: (chat, text) in arrival order."""
    order = {m: i for marks in expected.values() for i, m in enumerate(marks)}
    seen: dict[int, list[int]] = {chat: [] for chat in expected}
    counts: Counter[str] = Counter()
    for chat, text in received:
        for found in MARK.findall(text):
            if found in order and chat in seen and found in expected[chat]:
                counts[found] += 1
                seen[chat].append(order[found])
    firsts = {chat: list(dict.fromkeys(sequence)) for chat, sequence in seen.items()}
    total = sum(len(marks) for marks in expected.values())
    return Tally(
        expected=total,
        delivered=len(counts),
        lost=total - len(counts),
        duplicates=sum(n - 1 for n in counts.values()),
        most=max(counts.values(), default=0),
        out_of_order=sum(_inversions(s) for s in firsts.values()),
        out_of_order_raw=sum(_inversions(s) for s in seen.values()),
    )


# ---------------------------------------------------------------------- the sandbox over HTTP


async def faults(http: aiohttp.ClientSession, base: str, **body: object) -> dict[str, Any]:
    async with http.post(f"{base}/sandbox/api/faults", json=body) as response:
        response.raise_for_status()
        result: dict[str, Any] = await response.json()
        return result


async def jump(
    http: aiohttp.ClientSession, base: str, *, to: str = "hours", seconds: float = 0
) -> datetime:
    """Move the bot's clock (and run its jobs once); the bot's time after."""
    body = {"to": to, "hours": seconds / 3600}
    async with http.post(f"{base}/sandbox/api/jump", json=body) as response:
        response.raise_for_status()
        return datetime.fromisoformat((await response.json())["now"])


async def state(http: aiohttp.ClientSession, base: str) -> dict[str, Any]:
    async with http.get(f"{base}/sandbox/api/state") as response:
        response.raise_for_status()
        result: dict[str, Any] = await response.json()
        return result


async def bot_now(http: aiohttp.ClientSession, base: str) -> datetime:
    return datetime.fromisoformat((await state(http, base))["now"])


async def bot_is_up(http: aiohttp.ClientSession, base: str, seconds: float = 60) -> None:
    """Until the bot polls for updates (its start, the jobs' first run with it, is done)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not (await state(http, base))["polling"]:
        assert asyncio.get_running_loop().time() < deadline, "the bot did not start"
        await asyncio.sleep(0.1)


@dataclass(frozen=True)
class Seen:
    """What Telegram accepted, (chat, text) in order of arrival; the 429s it gave; the
    requests an outage dropped."""

    received: list[tuple[int, str]]
    throttled: int
    dropped: int


async def deliveries(http: aiohttp.ClientSession, base: str) -> Seen:
    async with http.get(f"{base}/sandbox/api/deliveries") as response:
        response.raise_for_status()
        body = await response.json()
    received = [(int(d[1]), str(d[3])) for d in body["deliveries"]]
    return Seen(received, int(body["throttled"]), int(body["dropped"]))


async def walk(
    http: aiohttp.ClientSession, base: str, total: timedelta, step: timedelta, pause: float
) -> None:
    """Through `total` of the bot's time in `step`s, `pause` real seconds after each: the bot
    lives through the span (its jobs run, its sender tries) without the test waiting it out."""
    moved = timedelta(0)
    while moved < total:
        await jump(http, base, seconds=step.total_seconds())
        moved += step
        await asyncio.sleep(pause)


# ---------------------------------------------------------------------- the bot's database


def uows_for(database: Path) -> tuple[AsyncEngine, SqlUnitOfWorkFactory]:
    """An engine and unit-of-work factory on a bot's SQLite file (dispose the engine after)."""
    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    return engine, SqlUnitOfWorkFactory(make_sessions(engine))


async def add_sellers(database: Path, people: Mapping[int, str], now: datetime) -> list[User]:
    """Team members (sellers) in the bot's database, as an admin's invitation would leave them."""
    engine, uows = uows_for(database)
    try:
        async with uows() as uow:
            added = [
                await uow.users.add(TelegramId(tg), name, None, Role.SELLER, "ru", now)
                for tg, name in people.items()
            ]
            await uow.commit()
        return added
    finally:
        await engine.dispose()


async def add_reminders(
    database: Path, assignees: Sequence[User], first: datetime, spacing: timedelta, count: int
) -> dict[int, list[str]]:
    """`count` tasks, the n-th due (and reminded) at `first + n * spacing`, dealt round the
    assignees in turn; each chat's marks in reminder order."""
    engine, uows = uows_for(database)
    marks: dict[int, list[str]] = {u.tg_id: [] for u in assignees}
    try:
        async with uows() as uow:
            for n in range(count):
                user = assignees[n % len(assignees)]
                text = f"Позвонить клиенту {mark('R', n)}"
                due = first + n * spacing
                await uow.tasks.add(
                    deal_id=None,
                    assignee_id=UserId(user.id),
                    created_by=UserId(user.id),
                    text=text,
                    due_at=due,
                    now=first - timedelta(minutes=1),
                )
                marks[user.tg_id].append(mark("R", n))
            await uow.commit()
    finally:
        await engine.dispose()
    return marks
