"""Notices a team can trust, the real bot against the sandbox's Bot API with its faults:
nothing lost through an outage, at most a duplicate per crash, each chat in order, no flood.

The outage runs on `python -m sandbox --headless`, whose clock the test moves through the
outage instead of waiting it out; the crashes kill a `python -m bot` child talking to an
in-test Bot API server. Telegram's flood limits are enforced strictly throughout.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.domain.ids import TelegramId
from bot.domain.notices import Notice
from bot.services.notify import enqueue
from sandbox.server import Sandbox
from storage.db import migrate
from tests.e2e import forks
from tests.e2e.chat import Chat, child_env
from tests.e2e.conftest import TOKEN
from tests.e2e.delivery import (
    MARK,
    Tally,
    add_reminders,
    add_sellers,
    bot_is_up,
    bot_now,
    deliveries,
    faults,
    hidden,
    hidden_total,
    jump,
    mark,
    tally,
    uows_for,
    walk,
)
from tests.e2e.forks import Forked

# Figures that depend on the pace (not one 429 through an outage, duplicates per crash: a
# kill lands while more is in flight on a loaded machine): `make test` runs these alone,
# after the parallel part.
pytestmark = pytest.mark.alone

ADMIN = 100001
SELLERS = {100101 + n: f"Продавец {n + 1}" for n in range(8)}
REMINDERS = 200
OUTAGE = timedelta(minutes=5)
STEP = timedelta(seconds=30)


async def settle(
    progress: Callable[[], object],
    done: Callable[[], bool],
    seconds: float,
    *,
    quiet: float = 2.0,
    nudge: Callable[[], object] | None = None,
    nudges: int = 10,
) -> None:
    """Until `done()` has held for `quiet` seconds with no progress, or `seconds` pass; each
    `quiet` seconds without progress `nudge()` runs (a jump of the bot's clock), `nudges`
    times in a row at most: then nothing more is coming."""
    loop = asyncio.get_running_loop()
    deadline, last, since = loop.time() + seconds, await _value(progress), loop.time()
    fruitless = 0
    while loop.time() < deadline:
        await asyncio.sleep(0.25)
        now, value = loop.time(), await _value(progress)
        if value != last:
            last, since, fruitless = value, now, 0
        elif now - since >= quiet:
            if done() or fruitless >= nudges:
                return
            if nudge is not None:
                await _value(nudge)
                fruitless += 1
            since = now


async def _value(call: Callable[[], object]) -> object:
    value = call()
    return await value if asyncio.iscoroutine(value) else value


# ---------------------------------------------------------------------- a. an outage


@pytest.mark.e2e
async def test_reminders_due_through_an_outage_all_arrive_once_and_in_order(
    sandbox: str, tmp_path: Path
) -> None:
    database = tmp_path / "sandbox.db"
    async with aiohttp.ClientSession() as http:
        sellers = await add_sellers(database, SELLERS, await bot_now(http, sandbox))
        for tg, name in SELLERS.items():  # each opens their chat with the bot
            await Chat(http, sandbox, tg, name).send("/help")
        # 09:00 of a working day: the morning agenda goes out before the tasks exist.
        await jump(http, sandbox, to="morning")
        await faults(http, sandbox, strict=True, refuse=True)
        start = await bot_now(http, sandbox)
        marks = await add_reminders(database, sellers, start, OUTAGE / REMINDERS, REMINDERS)

        await walk(http, sandbox, OUTAGE, STEP, pause=0.3)  # refused while they come due
        await faults(http, sandbox, refuse=False, hang=True)
        await walk(http, sandbox, OUTAGE, STEP, pause=0.3)  # then silent
        await faults(http, sandbox, hang=False)

        figures = Tally(0, 0, 0, 0, 0, 0, 0)

        async def count() -> int:
            nonlocal figures
            figures = tally(marks, (await deliveries(http, sandbox)).received)
            return figures.delivered + figures.duplicates

        async def nudge() -> None:
            await jump(http, sandbox, seconds=60)

        def accounted() -> bool:  # every reminder named or counted in its person's catch-up
            return figures.lost == hidden_total(figures_texts)

        figures_texts: list[str] = []

        async def count_all() -> int:
            nonlocal figures_texts
            got = await count()
            received = (await deliveries(http, sandbox)).received
            figures_texts = [text for chat, text in received if chat in SELLERS]
            return got

        await settle(count_all, accounted, 60, nudge=nudge)
        seen = await deliveries(http, sandbox)
        # A catch-up is short: ten reminders a page, each with its ✅, turned in place.
        paged = {
            tg: await turn_pages(Chat(http, sandbox, tg, name)) for tg, name in SELLERS.items()
        }
    carrying = [text for chat, text in seen.received if chat in SELLERS and MARK.search(text)]
    counted = sum(map(hidden, carrying))
    print(f"\noutage (5 min refused, 5 min hung), {REMINDERS} reminders to {len(SELLERS)} "
          f"people, in {len(carrying)} messages: on their first pages {figures.delivered}, "
          f"on later pages {counted}, missing {figures.lost - counted}; duplicates "
          f"{figures.duplicates}; out-of-order pairs {figures.out_of_order_raw}; 429s "
          f"{seen.throttled}; requests dropped by the outage {seen.dropped}")  # fmt: skip
    for chat, expected in marks.items():
        texts = [text for to, text in seen.received if to == chat and MARK.search(text)]
        named = {m for text in texts for m in MARK.findall(text)}
        assert len(set(expected) - named) == hidden_total(texts), (chat, texts)
        # Every one of them on a page of its catch-up, with its own one-tap button.
        assert paged[chat] == set(expected), (chat, set(expected) - paged[chat])
    assert figures.duplicates == 0, figures
    assert figures.out_of_order_raw == 0, figures


async def turn_pages(chat: Chat) -> set[str]:
    """Every page of every paged list in the chat, turned with ▶ as a person would: the marks
    of the entries that came with a ✅ button of their own."""
    found: set[str] = set()
    for message in await chat.bot_messages():
        pages = _pages(message)
        for page in range(pages or 1):
            if page:
                await chat.press_on(message["message_id"], "▶", expect=f"{page + 1}/{pages}")
                [message] = [
                    m for m in await chat.bot_messages() if m["message_id"] == message["message_id"]
                ]
            found |= _with_buttons(message)
    return found


def _pages(message: dict[str, object]) -> int:
    labels = [text for text, _ in _labels(message)]
    counts = [int(m.group(1)) for t in labels if (m := re.fullmatch(r"1/(\d+)", t))]
    return counts[0] if counts else 0


def _labels(message: dict[str, object]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    rows = markup.get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


def _with_buttons(message: dict[str, object]) -> set[str]:
    return {m for text, _ in _labels(message) if text.startswith("✅") for m in MARK.findall(text)}


# ---------------------------------------------------------------------- b. crashes


CHATS = [200100 + n for n in range(50)]
NOTICES = 500
KILLS = 20


async def queue_notices(database: Path) -> dict[int, list[str]]:
    """The bot's database, migrated, with NOTICES notices queued to CHATS in a shuffled order."""
    engine, uows = uows_for(database)
    chats = [CHATS[n % len(CHATS)] for n in range(NOTICES)]
    random.Random(42).shuffle(chats)
    marks: dict[int, list[str]] = {chat: [] for chat in CHATS}
    notices = []
    for n, chat in enumerate(chats):
        text = f"Уведомление {mark('N', n)} для {chat}"
        notices.append(Notice(TelegramId(chat), "e2e", text, dedup_key=f"e2e:{n}"))
        marks[chat].append(mark("N", n))
    try:
        await migrate(engine)
        async with uows() as uow:
            await enqueue(uow, notices, datetime.now(UTC), ZoneInfo("UTC"), None)
            await uow.commit()
    finally:
        await engine.dispose()
    return marks


async def until(condition: Callable[[], bool], seconds: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.02)
    return True


class Respawn:
    """`python -m bot` run, killed and run again at once (see tests/e2e/respawn.py)."""

    def __init__(self, process: Forked) -> None:
        self.process = process
        self.output: list[str] = []

    @classmethod
    async def start(cls, cwd: Path, env: dict[str, str]) -> Respawn:
        return cls(await forks.start(["-m", "tests.e2e.respawn"], cwd, env, stdin=True))

    async def _say(self, word: str) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{word}\n".encode())
        while True:
            line = (await asyncio.wait_for(self.process.stdout.readline(), 60)).decode()
            assert line, "respawn ended: " + "".join(self.output[-20:])
            if line.startswith("respawn: "):
                return int(line.split()[-1])
            self.output.append(line)

    async def run(self) -> int:
        return await self._say("run")

    async def kill(self) -> int:
        return await self._say("kill")

    async def stop(self) -> int:
        code = await self._say("stop")
        assert self.process.stdin is not None
        self.process.stdin.close()
        await asyncio.wait_for(self.process.wait(), 15)
        return code


@pytest.mark.e2e
async def test_kill_9_during_delivery_loses_nothing_and_doubles_at_most_one_per_crash(
    box: Sandbox, tmp_path: Path
) -> None:
    for chat in CHATS:
        box.world.user(chat, f"Клиент {chat}")
    box.world.faults.strict = True
    marks = await queue_notices(tmp_path / "bot.db")
    env = child_env(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=box.url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        BOT_ADMINS=str(ADMIN),
        LOG_LEVEL="WARNING",
    )

    def figures() -> Tally:
        return tally(marks, [(d.chat, d.text) for d in box.world.deliveries])

    rng, started = random.Random(20), asyncio.get_running_loop().time()
    kills_in_delivery, bot = 0, await Respawn.start(tmp_path, env)
    try:
        for _ in range(KILLS):
            before = len(box.world.deliveries)
            await bot.run()
            # A random moment once it delivers again (not at all: items it cannot take yet).
            delivering = await until(lambda: len(box.world.deliveries) > before, 8)  # noqa: B023
            await asyncio.sleep(rng.uniform(0, 0.8))
            kills_in_delivery += delivering and figures().lost > 0
            assert await bot.kill() == -9
        await bot.run()
        await until(lambda: figures().lost == 0, 75)
        await asyncio.sleep(1.5)  # time enough for a double to show
    finally:
        code = await bot.stop()
    result = figures()
    elapsed = asyncio.get_running_loop().time() - started
    print(f"\nkill -9 x{KILLS} ({kills_in_delivery} while delivering), {NOTICES} notices to "
          f"{len(CHATS)} chats: {result.line()}; duplicates per crash "
          f"{result.duplicates / KILLS:.2f}; 429s {box.world.throttled}; {elapsed:.0f} s")  # fmt: skip
    assert code == 0, "".join(bot.output)
    assert result.lost == 0, result
    assert result.duplicates <= KILLS and result.most <= 2, result
    assert result.out_of_order == 0, result


# ---------------------------------------------------------------------- c. 09:00


STAFF = {100001: ("admin", 4), 100002: ("head", 4), 100011: ("seller", 3),
         100012: ("seller", 3), 100013: ("seller", 3)}  # fmt: skip


MORNING = 600  # seconds after 09:00 whose messages count as the morning's burst


async def morning_burst(
    http: aiohttp.ClientSession, base: str, start: datetime
) -> dict[int, list[str]]:
    """The messages each person got dated in [start, start + 10 min), each by its first line;
    an album is one message."""
    got: dict[int, list[str]] = {}
    first, end = int(start.timestamp()), int(start.timestamp()) + MORNING
    for person in STAFF:
        albums: set[str] = set()
        got[person] = []
        for message in await Chat(http, base, person, "").bot_messages():
            group = message.get("media_group_id")
            if not first <= message["date"] < end or group in albums:
                continue
            if group is not None:
                albums.add(group)
            text = str(message.get("text") or message.get("caption") or "[album]")
            got[person].append(text.strip().split("\n")[0])
    return got


def kinds(lines: list[str]) -> str:
    """What a person got, roughly: each first line's first two words, digits left out."""
    heads = Counter(" ".join(re.sub(r"\d+", "", line).split()[:2]) for line in lines)
    return "; ".join(f"{n}× {head}" for head, n in heads.most_common(4))


@pytest.mark.e2e
async def test_at_nine_each_person_gets_a_few_messages_not_a_flood(demo_sandbox: str) -> None:
    async with aiohttp.ClientSession() as http:
        await faults(http, demo_sandbox, strict=True)

        async def sent() -> int:
            return len((await deliveries(http, demo_sandbox)).received)

        # As soon as the bot is up: what its start queues (a first run of every job) meets
        # the morning's jobs, as when a team imports its deals and the day begins.
        await bot_is_up(http, demo_sandbox)
        nine = await jump(http, demo_sandbox, to="morning")
        # Counted once delivery has been quiet for a while; then two minutes on (the jobs run
        # again, lists held back a minute go), and quiet again: the whole morning's burst.
        await settle(sent, lambda: True, 60, quiet=4)
        await jump(http, demo_sandbox, seconds=120)
        await settle(sent, lambda: True, 60, quiet=4)
        got = await morning_burst(http, demo_sandbox, nine)
    print("\n09:00 on the demo company, messages in the ten minutes from 09:00:")
    for person, (role, _) in STAFF.items():
        print(f"  {role} {person}: {len(got[person])} ({kinds(got[person])})")
    for person, (role, most) in STAFF.items():
        assert len(got[person]) <= most, (role, person, got[person])
