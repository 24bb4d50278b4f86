"""The load test of the webhook deployment (issue 12, item 3).

N workers (`python -m bot` in webhook mode, one PostgreSQL database and one Redis) behind the
project's round-robin proxy (`benchmarks.proxy`), and a stand-in Telegram: the sandbox's Bot
API with Telegram's limits enforced to the letter (strict mode: 30 messages a second per bot,
one a second per chat, 429 beyond) and its webhook poster (`sandbox.webhook`), which posts each
update to the proxy, one person's one after another, up to 40 at once (Telegram's default
`max_connections`), and posts again whatever is not answered 2xx.

The people and what they do are in `benchmarks.load_people`: sellers who press buttons on
their deal card and tasks, and now and then type a note; three updates in 25 ask for a new
message (12 %). That keeps Telegram's 30 messages a second out of the measurement: the posts
would bind only from 250 updates a second (30 / 0.12), more than the workers reach here, so the
throughput measures the workers. The checks of every update (lost, twice, out of order) are in
`benchmarks.load_figures`.

    TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/<db> \\
    TEST_REDIS_URL=redis://127.0.0.1:6379/<n> .venv/bin/python benchmarks/load.py \\
        [--users 200] [--per-user 50] [--workers 1 2 3] [--logs DIR]

Each run gets a database of its own on that server (dropped after) and fresh workers. Prints
the figures of each run and the throughputs as ratios to one worker; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp

from benchmarks.deploy import HOOK_URL, SECRET, deployed, forget_in_redis, scratch_database
from benchmarks.load_figures import CpuMeter, Figures, check, count_posts, count_workers
from benchmarks.load_people import Person, Plan, place, script, seed, work
from sandbox.server import Sandbox
from sandbox.webhook import WebhookPoster

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def run_load(
    plan: Plan,
    postgres_url: str = POSTGRES_URL,
    redis_url: str = REDIS_URL,
    progress: Callable[[str], None] | None = None,
    logs: Path | None = None,
) -> Figures:
    """One run: a fresh database, N fresh workers, the people's updates; the figures.
    The workers' and the proxy's logs go to `logs` if given (else they are thrown away)."""
    first_tg = 10**12 + secrets.randbelow(10**12) * 1000
    admin, token = first_tg - 1, f"{10**9 + secrets.randbelow(10**9)}:load-{secrets.token_hex(8)}"
    figures = Figures(plan.workers, plan.users, plan.updates, load_before=os.getloadavg()[0])
    redis_prefix = f"load-{secrets.token_hex(6)}"  # the run's keys, whoever shares that db
    box = Sandbox(token=token)
    try:
        async with scratch_database(postgres_url) as db_url:
            people = await seed(db_url, plan, first_tg, admin)
            await box.start("127.0.0.1", 0)
            await place(box.world, people)
            box.world.faults.strict = True
            box.world.webhook = {"url": HOOK_URL, "secret_token": SECRET, "allowed_updates": None}
            env = {"BOT_TOKEN": token, "TELEGRAM_API_URL": box.url, "DATABASE_URL": db_url,
                   "REDIS_URL": redis_url, "BOT_ADMINS": str(admin), "WEBHOOK_URL": HOOK_URL,
                   "WEBHOOK_SECRET": SECRET, "REDIS_PREFIX": redis_prefix}  # fmt: skip
            presses: dict[tuple[int, int], str] = {}
            with tempfile.TemporaryDirectory(prefix="salesbot-load-") as scratch:
                folder = Path(scratch) if logs is None else logs / f"workers-{plan.workers}"
                folder.mkdir(parents=True, exist_ok=True)
                await _deploy_and_run(plan, env, folder, box, people, presses, figures, progress)
            await check(figures, plan, people, presses, box.world, db_url)
    finally:
        await box.stop()
        await forget_in_redis(redis_url, redis_prefix)
    return figures


async def _deploy_and_run(
    plan: Plan,
    env: dict[str, str],
    folder: Path,
    box: Sandbox,
    people: list[Person],
    presses: dict[tuple[int, int], str],
    figures: Figures,
    progress: Callable[[str], None] | None,
) -> None:
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        async with deployed(plan.workers, env, folder, http) as deployment:
            assert deployment.proxy is not None
            poster = WebhookPoster(box.world, deployment.proxy_url, connections=plan.connections)
            watching = asyncio.create_task(_watch(poster, plan, progress))
            meter = CpuMeter(deployment.pids(), deployment.proxy.pid, env["DATABASE_URL"])
            await meter.start()
            try:
                await asyncio.gather(*(
                    work(p, script(plan.per_user, p.phase), box.world, poster,
                         random.Random(plan.seed * 100_003 + p.index), plan.think, presses)
                    for p in people
                ))  # fmt: skip
            finally:
                figures.cpu = await meter.spent()
                watching.cancel()
                await poster.close()
            metrics = [await w.metrics(http) for w in deployment.workers]
            figures.proxy = await deployment.proxy_stats(http)
        figures.exits = deployment.exits
    count_workers(figures, metrics, [w.output() for w in deployment.workers])
    count_posts(figures, list(poster.records.values()))


async def _watch(poster: WebhookPoster, plan: Plan, progress: Callable[[str], None] | None) -> None:
    if progress is None:
        return
    started = time.monotonic()
    while True:
        await asyncio.sleep(10)
        done = sum(r.acked_at is not None for r in poster.records.values())
        took = time.monotonic() - started
        progress(f"    {took:4.0f} s: {done}/{plan.updates} acknowledged ({done / took:.0f}/s)")


# ---------------------------------------------------------------------- the command line


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--per-user", type=int, default=50, help="updates each person sends")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--logs", type=Path, help="keep the workers' logs in this folder")
    args = parser.parse_args()
    # Ctrl-C or a TERM ends the run cleanly (workers stopped, its database dropped), also in the
    # background, where a shell leaves SIGINT ignored.
    main_task, loop = asyncio.current_task(), asyncio.get_running_loop()
    assert main_task is not None
    for each in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(each, main_task.cancel)
    print(
        f"load: {args.users * args.per_user} updates from {args.users} people, "
        f"{os.cpu_count()} cores; PostgreSQL {POSTGRES_URL.rsplit('@', 1)[-1]} "
        f"(a database of its own per run), Redis {REDIS_URL}",
        flush=True,
    )
    results = []
    for workers in args.workers:
        plan = Plan(users=args.users, per_user=args.per_user, workers=workers)
        figures = await run_load(
            plan, progress=lambda line: print(line, flush=True), logs=args.logs
        )
        print("\n".join(figures.lines()), flush=True)
        results.append(figures)
    base, cores = results[0].throughput, os.cpu_count() or 1
    for f in results:
        print(
            f"{f.workers} worker(s): {f.throughput:.1f} updates/s, ×{f.throughput / base:.2f} "
            f"of one worker; the CPU would allow {f.ceiling(cores):.0f}/s at this cost per "
            f"update had the run {cores} cores to itself (it had "
            f"{f.cpu.ours / max(f.cpu.machine_total, 1e-9) * cores:.1f})",
            flush=True,
        )


if __name__ == "__main__":
    asyncio.run(main())
