"""The sender's rate against a fake Telegram that enforces a global and a per-chat limit.

The fake Bot API accepts at most G messages in any one-second window and one message per chat
per second, and answers 429 (``retry_after``) to anything beyond, on the real monotonic clock.
Each request takes a fixed network latency each way. The real ``Sender`` (real sleeps, real
SQLite outbox, one commit per outcome) delivers a queue of items to many chats.

Printed per run: items sent, 429s the API had to give, elapsed time, the achieved rate (between
the first and the last accepted message; and over the middle 80% of them, without the start and
the tail, where the last few items wait for their chats' turns), the rate the API allows
(min(G, chats / 1 s)), achieved / allowed, and the same against the sender's own cap
(min(policy, allowed)). Nothing is asserted: these are figures to read.

Runs: G=30 with the default policy (30/s), the ordinary case; G=100 with the default policy,
which shows the cap is the sender's own (it stays at 30/s though the API would take more);
G=100 with a 100/s policy, which shows it can use what it is given.

The fake forgives ``--jitter`` seconds (20 ms) at both limits: the sender spaces its sends
exactly, and the event loop wakes a few milliseconds late now and then; real Telegram is far
less exact than this fake.

Then the strict runs (issue 11, item 8), against the sandbox's own limits with nothing
forgiven (``sandbox.world.RateGate``: at most 30 accepted sends in any one-second window, one
per chat per second, sliding, at arrival on the monotonic clock): many chats (allowed 30/s),
and a backlog to 5 chats (allowed 5/s). The goal: 0 × 429 at ≥ 0.95 of the allowed rate.

Several processes (issue 12): `--processes N --redis URL` runs 1, 2, … N sender processes
(each its own `python benchmarks/sender_rate.py --child`, its own Bot session) that share one
SQLite outbox and one Redis budget (`bot.limits.redis_budget`), against the sandbox's Bot API
server in this process with its strict limits, over real local HTTP. Printed per run: 429s,
the achieved rate against the allowed 30/s, the most messages that reached the stand-in in any
one second, the closest two messages to one chat, and each process's share. First comes the
baseline: one process pacing alone with its own `Pacer`, as without REDIS_URL, over the same
HTTP. The budget's keys get a prefix of their own per run, so nothing else in that Redis
database is touched.

    .venv/bin/python benchmarks/sender_rate.py [--latency 0.015] [--jitter 0.02] [--quick]
    .venv/bin/python benchmarks/sender_rate.py --processes 3 --redis redis://127.0.0.1:6379/5
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import math
import random
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType

from benchmarks.common import OfflineSession
from bot.domain.ids import TelegramId
from bot.domain.models import User
from bot.domain.notices import DeliveryPolicy, Notice
from bot.jobs.sender import Sender
from bot.services.clock import utc_now
from sandbox.world import RateGate
from storage.db import make_engine, make_sessions, migrate
from storage.uow import SqlUnitOfWorkFactory
from tests.mocked_bot import BOT_TOKEN, BOT_USER

PER_CHAT_INTERVAL = 1.0
ROOT = Path(__file__).resolve().parents[1]


class FakeTelegram(OfflineSession):
    """A Bot API with Telegram's limits: G per second in all, one per second per chat."""

    def __init__(
        self, per_second: int, latency: float, jitter: float, expected: int, strict: bool = False
    ) -> None:
        super().__init__()
        self.per_second, self.latency, self.jitter = per_second, latency, jitter
        self.strict = RateGate(per_second, PER_CHAT_INTERVAL) if strict else None
        self.expected, self.all_in = expected, asyncio.Event()
        self.window: deque[float] = deque()  # accepted sends within the last second
        self.last_in_chat: dict[int, float] = {}
        self.accepted: list[float] = []
        self.refused = 0
        self._ids = itertools.count(1)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109  (the base class signature)
    ) -> TelegramType:
        assert isinstance(method, SendMessage)
        await asyncio.sleep(self.latency)  # on the way to Telegram
        self._admit(method, int(method.chat_id))
        await asyncio.sleep(self.latency)  # and back
        result = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": method.chat_id, "type": "private"},
            "from": BOT_USER.model_dump(mode="json", exclude_none=True),
            "text": method.text,
        }
        content = json.dumps({"ok": True, "result": result})
        return cast(TelegramType, self.check_response(bot, method, HTTPStatus.OK, content).result)

    def _admit(self, method: SendMessage, chat: int) -> None:
        now = time.monotonic()
        if self.strict is not None:
            if wait := self.strict.admit(chat, now):
                self.refused += 1
                raise TelegramRetryAfter(method, "Too Many Requests", retry_after=wait)
            self._accepted(now)
            return
        while self.window and self.window[0] <= now - (1.0 - self.jitter):
            self.window.popleft()
        too_soon = now - self.last_in_chat.get(chat, -1e9) < PER_CHAT_INTERVAL - self.jitter
        if too_soon or len(self.window) >= self.per_second:
            self.refused += 1
            raise TelegramRetryAfter(method, "Too Many Requests", retry_after=1)
        self.window.append(now)
        self.last_in_chat[chat] = now
        self._accepted(now)

    def _accepted(self, now: float) -> None:
        self.accepted.append(now)
        if len(self.accepted) == self.expected:
            self.all_in.set()


@dataclass(frozen=True)
class Run:
    api_per_second: int
    policy_per_second: int
    items: int
    chats: int
    strict: bool = False  # the sandbox's limits, nothing forgiven


class NeverBlocked:
    def compose(self, reader: User | None, entries: Any, why: Any) -> tuple[str, None]:
        raise AssertionError("no lists here")

    def unreachable(self, head: User, user: User) -> str:
        raise AssertionError("no one blocks the bot in the benchmark")


never_blocked = NeverBlocked()


def notices(run: Run) -> list[Notice]:
    """Each chat gets the same number of items, in a shuffled order (seeded)."""
    chats = [10_000 + n % run.chats for n in range(run.items)]
    random.Random(42).shuffle(chats)
    return [
        Notice(TelegramId(c), "bench", f"item {n}", dedup_key=f"bench:{n}")
        for n, c in enumerate(chats)
    ]


async def migrated(folder: Path) -> Path:
    """A migrated database file, copied for each run (migrations take a second or two)."""
    path = folder / "template.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    await engine.dispose()
    return path


async def measure(run: Run, template: Path, latency: float, jitter: float) -> dict[str, float]:
    path = template.with_name(f"outbox-{id(run)}.db")
    shutil.copy(template, path)
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    uows = SqlUnitOfWorkFactory(make_sessions(engine))
    async with uows() as uow:
        await uow.outbox.add(notices(run), utc_now())
        await uow.commit()
    api = FakeTelegram(run.api_per_second, latency, jitter, run.items, run.strict)
    bot = Bot(BOT_TOKEN, session=api)
    policy = DeliveryPolicy(global_per_second=run.policy_per_second)
    sender = Sender(bot, uows, utc_now, policy, "bench", ZoneInfo("UTC"), None, never_blocked)
    stop = asyncio.Event()
    started = time.monotonic()
    task = asyncio.create_task(sender.run(stop))
    await asyncio.wait_for(api.all_in.wait(), timeout=120)
    elapsed = time.monotonic() - started
    stop.set()
    await task
    await engine.dispose()
    return {
        "sent": len(api.accepted),
        "refused": api.refused,
        "elapsed": elapsed,
        "achieved": rate(api.accepted),
        "steady": rate(api.accepted[len(api.accepted) // 10 : -len(api.accepted) // 10]),
    }


# ---------------------------------------------------------------- several processes, one Redis


async def child(args: argparse.Namespace) -> None:
    """One sender process: delivers the shared outbox through the shared budget until SIGTERM;
    then prints how many messages it sent."""
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from redis.asyncio import Redis

    from bot.jobs.sender import owner_name
    from bot.limits.redis_budget import RedisBudget

    engine = make_engine(args.database)
    redis = Redis.from_url(args.redis) if args.redis else None
    budget = None  # the baseline: the sender's own pacer, as without REDIS_URL
    if redis is not None:
        budget = RedisBudget(redis, DeliveryPolicy(), seconds, prefix=args.prefix)
    bot = Bot(BOT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(args.api)))
    sent = 0

    @bot.session.middleware
    async def count(make_request: Any, bot: Bot, method: Any) -> Any:
        nonlocal sent
        answer = await make_request(bot, method)
        sent += 1
        return answer

    uows = SqlUnitOfWorkFactory(make_sessions(engine))
    policy = DeliveryPolicy()
    sender = Sender(
        bot, uows, utc_now, policy, owner_name(), ZoneInfo("UTC"), None, never_blocked,
        budget=budget,
    )  # fmt: skip
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("READY", flush=True)
    try:
        await sender.run(stop)
    finally:
        print(f"SENT {sent}", flush=True)
        await bot.session.close()
        if redis is not None:
            await redis.aclose()
        await engine.dispose()


def seconds() -> float:
    return utc_now().timestamp()


@dataclass(frozen=True)
class Several:
    processes: int
    items: int
    chats: int
    shared: bool = True  # False: one process pacing alone, without Redis (the baseline)


async def measure_several(run: Several, template: Path, redis: str) -> dict[str, Any]:
    """`run.processes` child senders against the strict stand-in; the stand-in's log read."""
    from sandbox.server import Sandbox

    path = template.with_name(f"several-{run.processes}.db")
    shutil.copy(template, path)
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with SqlUnitOfWorkFactory(make_sessions(engine))() as uow:
        await uow.outbox.add(notices(Run(30, 30, run.items, run.chats)), utc_now())
        await uow.commit()
    await engine.dispose()
    box = Sandbox(token=BOT_TOKEN)
    for chat in {n.chat_id for n in notices(Run(30, 30, run.items, run.chats))}:
        box.world.user(chat)
    box.world.faults.strict = True
    await box.start("127.0.0.1", 0)
    prefix = f"salesbot-bench:{secrets.token_hex(4)}"
    args = ["--child", "--api", box.url, "--redis", redis if run.shared else "", "--prefix", prefix,
            "--database", f"sqlite+aiosqlite:///{path}"]  # fmt: skip
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable, __file__, *args, stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        for _ in range(run.processes)
    ]  # fmt: skip
    try:
        for process in children:
            assert process.stdout is not None
            assert (await process.stdout.readline()).strip() == b"READY"
        started = time.monotonic()
        # The stand-in's log is a plain list: looked at, not awaited.
        while len(box.world.deliveries) < run.items and time.monotonic() - started < 300:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
    finally:
        shares = []
        for process in children:
            process.send_signal(signal.SIGTERM)
            output = (await process.communicate())[0].decode()
            shares += [int(ln.split()[1]) for ln in output.splitlines() if ln.startswith("SENT")]
        await box.stop()
    accepted = sorted(d.at for d in box.world.deliveries)
    return {
        "sent": len(accepted),
        "refused": box.world.throttled,
        "elapsed": elapsed,
        "achieved": rate(accepted),
        "steady": rate(accepted[len(accepted) // 10 : -len(accepted) // 10]),
        "most": most_in_a_second(accepted),
        "closest": closest_in_a_chat(box.world.deliveries),
        "shares": shares,
    }


def most_in_a_second(times: list[float]) -> int:
    return max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))


def closest_in_a_chat(deliveries: Any) -> float:
    last: dict[int, float] = {}
    closest = math.inf
    for d in sorted(deliveries, key=lambda d: d.at):
        if d.chat in last:
            closest = min(closest, d.at - last[d.chat])
        last[d.chat] = d.at
    return closest


def report_several(run: Several, figures: dict[str, Any]) -> None:
    allowed = min(30, run.chats)
    how = f"{run.processes} process(es) sharing Redis" if run.shared else "1 process, no Redis"
    print(
        f"strict, {how}: {run.items} items to {run.chats} "
        f"chats: sent {figures['sent']}, 429s {figures['refused']}, {figures['elapsed']:.1f} s, "
        f"achieved {figures['achieved']:.1f}/s (middle 80%: {figures['steady']:.1f}/s), "
        f"allowed {allowed}/s, ratio {figures['achieved'] / allowed:.3f} "
        f"(middle 80%: {figures['steady'] / allowed:.3f}); most in any second "
        f"{figures['most']}, closest in a chat {figures['closest']:.3f} s; "
        f"each process sent {figures['shares']}",
        flush=True,
    )


async def several_processes(processes: int, redis: str, scale: int) -> None:
    """The baseline (one process pacing alone, no Redis), then 1 … N sharing Redis."""
    runs = [Several(1, 900 // scale, 300, shared=False)]
    runs += [Several(n, 900 // scale, 300) for n in range(1, processes + 1)]
    with tempfile.TemporaryDirectory() as folder:
        template = await migrated(Path(folder))
        for run in runs:
            report_several(run, await measure_several(run, template, redis))


def rate(times: list[float]) -> float:
    """Messages per second between the first and the last of these acceptances."""
    return (len(times) - 1) / (times[-1] - times[0])


def report(run: Run, figures: dict[str, float]) -> None:
    allowed = min(run.api_per_second, min(run.chats, run.items) / PER_CHAT_INTERVAL)
    own_cap = min(run.policy_per_second, allowed)
    print(
        f"{'strict ' if run.strict else ''}"
        f"API {run.api_per_second:>3}/s  policy {run.policy_per_second:>3}/s  "
        f"{run.items} items to {run.chats} chats: sent {figures['sent']:.0f}, "
        f"429s {figures['refused']:.0f}, {figures['elapsed']:.1f} s, "
        f"achieved {figures['achieved']:.1f}/s (middle 80%: {figures['steady']:.1f}/s), "
        f"allowed {allowed:.0f}/s, ratio {figures['achieved'] / allowed:.3f}; "
        f"of the sender's own cap {own_cap:.0f}/s: {figures['achieved'] / own_cap:.3f}",
        flush=True,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--latency", type=float, default=0.015, help="one way, seconds")
    parser.add_argument("--jitter", type=float, default=0.02, help="forgiven lateness, seconds")
    parser.add_argument("--quick", action="store_true", help="a third of the items")
    parser.add_argument("--processes", type=int, help="1 … N sender processes sharing Redis")
    parser.add_argument("--redis", help="the Redis URL they share (with --processes)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        await child(args)
        return
    scale = 3 if args.quick else 1
    if args.processes:
        if not args.redis:
            parser.error("--processes needs --redis URL")
        await several_processes(args.processes, args.redis, scale)
        return
    runs = [
        Run(api_per_second=30, policy_per_second=30, items=600 // scale, chats=100),
        Run(api_per_second=100, policy_per_second=30, items=150 // scale, chats=100),
        Run(api_per_second=100, policy_per_second=100, items=300 // scale, chats=100),
        Run(api_per_second=30, policy_per_second=30, items=600 // scale, chats=100, strict=True),
        Run(api_per_second=30, policy_per_second=30, items=100 // scale, chats=5, strict=True),
    ]
    print(
        f"sender_rate: network latency {args.latency * 1000:.0f} ms each way, "
        f"the API forgives {args.jitter * 1000:.0f} ms",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        template = await migrated(Path(folder))
        for run in runs:
            report(run, await measure(run, template, args.latency, args.jitter))


if __name__ == "__main__":
    asyncio.run(main())
