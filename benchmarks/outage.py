"""A full-length outage on the real clock: the Bot API refuses connections while reminders
come due, then comes back; what reached people, how often, and in what order.

The real bot process (`python -m bot`, its scheduler and outbox on a SQLite file) runs against
the sandbox's Bot API server in this process, with Telegram's flood limits enforced strictly.
Once the bot is up, the server refuses every Bot API connection for ``--refuse`` seconds (2
minutes; ``--quick``: 20 s), then holds them unanswered for ``--hang`` seconds (none by
default), while ``--reminders`` tasks (200) of ``--people`` sellers (8) come due spread over the
outage. Then it waits, at most ``--wait`` seconds (300), until every reminder has arrived or
nothing more has arrived for ``--quiet`` seconds (75).

Printed: delivered, lost, duplicates, the out-of-order adjacent pairs within each person's chat
(reminder order is due order; a reminder counts as delivered when its task's text is in any
message the person got, so a catch-up list counts each task it names), the 429s the strict
limits gave, the connections the outage dropped, and the times. Nothing is asserted; the e2e
test moves the clock through the same kind of outage instead of waiting it out.

    .venv/bin/python benchmarks/outage.py [--quick] [--refuse 120] [--hang 0] [--reminders 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.models import User
from sandbox.server import Sandbox
from storage.db import migrate
from tests.e2e.chat import child_env, start_process, stop_process
from tests.e2e.delivery import (
    MARK,
    Tally,
    add_reminders,
    add_sellers,
    hidden,
    tally,
    uows_for,
)

TOKEN = "42:bench-token"
ADMIN = 100001


async def prepare(database: Path, people: dict[int, str]) -> list[User]:
    """The migrated database with its sellers."""
    engine, _ = uows_for(database)
    await migrate(engine)
    await engine.dispose()
    return await add_sellers(database, people, datetime.now(UTC))


async def until(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the bot did not get there in time")
        await asyncio.sleep(0.1)


async def run(args: argparse.Namespace) -> None:
    people = {100101 + n: f"Продавец {n + 1}" for n in range(args.people)}
    box = Sandbox(token=TOKEN)
    await box.start("127.0.0.1", 0)
    box.world.faults.strict = True
    for tg, name in people.items():
        box.world.user(tg, name)
    with tempfile.TemporaryDirectory(prefix="salesbot-outage-") as folder:
        database = Path(folder) / "bot.db"
        sellers = await prepare(database, people)
        env = child_env(
            BOT_TOKEN=TOKEN,
            TELEGRAM_API_URL=box.url,
            DATABASE_URL=f"sqlite:///{database}",
            BOT_ADMINS=str(ADMIN),
            LOG_LEVEL="WARNING",
        )
        process = await start_process(["-m", "bot"], Path(folder), env)

        def figures() -> Tally:
            return tally(marks, [(d.chat, d.text) for d in box.world.deliveries])

        def missing() -> int:
            # Neither on a message's first page nor counted there for its later pages.
            counted = sum(hidden(d.text) for d in box.world.deliveries if MARK.search(d.text))
            return figures().lost - counted

        try:
            await until(lambda: box.world.polling, 60)
            started = time.monotonic()
            print(
                f"outage: refused {args.refuse:.0f} s, then hung {args.hang:.0f} s; "
                f"{args.reminders} reminders to {args.people} people due over it",
                flush=True,
            )
            box.world.faults.refuse = True
            # Due one after another from now to the end of the outage.
            spacing = timedelta(seconds=args.refuse + args.hang) / args.reminders
            first = datetime.now(UTC) + spacing
            marks = await add_reminders(database, sellers, first, spacing, args.reminders)
            await asyncio.sleep(max(0.0, args.refuse - (time.monotonic() - started)))
            box.world.faults.refuse, box.world.faults.hang = False, args.hang > 0
            await asyncio.sleep(args.hang)
            box.world.faults.hang = False
            back = time.monotonic()
            last, since = -1, time.monotonic()
            while time.monotonic() - back < args.wait and missing() > 0:
                seen = len(box.world.deliveries)
                if seen != last:
                    last, since = seen, time.monotonic()
                elif time.monotonic() - since > args.quiet:
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(3)  # time enough for a double to show
            result, received = figures(), [(d.chat, d.text) for d in box.world.deliveries]
            done = time.monotonic()
        finally:
            output = await stop_process(process)
            await box.stop()
    carrying = [t for c, t in received if c in people and MARK.search(t)]
    counted = sum(map(hidden, carrying))
    print(f"  in {len(carrying)} messages: on first pages {result.delivered}, on later pages "
          f"{counted}, missing {result.lost - counted}; duplicates {result.duplicates}; "
          f"out-of-order pairs {result.out_of_order_raw}", flush=True)  # fmt: skip
    print(f"  429s {box.world.throttled}, connections dropped by the outage {box.world.dropped}; "
          f"{done - back:.0f} s from the end of the outage to the last look, "
          f"{done - started:.0f} s in all", flush=True)  # fmt: skip
    if "Traceback" in output:
        print("  the bot logged a traceback:\n" + output[-3000:], flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--refuse", type=float, default=120.0, help="seconds refused")
    parser.add_argument("--hang", type=float, default=0.0, help="seconds hung after that")
    parser.add_argument("--reminders", type=int, default=200)
    parser.add_argument("--people", type=int, default=8)
    parser.add_argument("--wait", type=float, default=300.0, help="at most, after the outage")
    # Longer than the minute a person's next list waits after the last (list spacing).
    parser.add_argument("--quiet", type=float, default=75.0, help="give up after this silence")
    parser.add_argument("--quick", action="store_true", help="a 20-second refusal")
    args = parser.parse_args()
    if args.quick:
        args.refuse = min(args.refuse, 20.0)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
