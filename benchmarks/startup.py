"""Start and memory (issue 15, item 4): the bot's start against `import aiogram` alone.

In one run, taking turns so that the machine's load falls on both alike:

* the reference: `python -c "import aiogram"`, its wall time from spawn to exit, its CPU time
  and its resident memory (VmRSS, VmHWM read by the script itself at its end);
* the bot: `python -m bot` in polling mode (a SQLite file in a scratch folder, a team of
  sellers already in it: a restart, the database at head) against the sandbox's Bot API in
  this process; the time from spawn to the first getUpdates the stand-in receives, and the
  bot's CPU time and VmRSS at that moment.

The last start then serves `--updates` updates from sellers working their deal card and tasks
(`benchmarks.load_people`: presses answered and edited in place, now and then a typed note),
each person waiting for the answer and thinking a moment before the next; and the bot's VmRSS
is read once they are all answered. Goals: start ≤ 1.5 × the reference's median, and the
bot's RSS after the updates ≤ the reference's RSS + 60 MB.

    .venv/bin/python benchmarks/startup.py [--repeats 5] [--updates 1000]

Prints the figures, the ratios and the machine's load; asserts nothing about time.

What bounds the memory (December 2026, this 2-core machine): `import aiogram` holds 166 MB.
The start's imports add 40 MB (VmRSS read after each, in the start's order): SQLAlchemy core
11, its asyncio and ORM parts 6, the repositories and unit of work 6, the models 2, bot.config
5 (holidays 3.5, babel), bot.app's routers and the rest 4, prometheus 2, APScheduler and the
jobs 2, aiosqlite 1, pydantic-settings 1; running up to the first getUpdates (engine and
connections, the HTTP session, threads) 7 more: 212 MB. Its first hundred updates add ~15 MB,
then it grows by ~3 MB over the next 900: babel's locale data 5.4 MB (`global.dat` 2.7, read
for its parent-locale table, root 1, ru 1.6; loaded by the first plural, number or date, and
needed by them), SQLAlchemy's compiled statements ~3 MB, the first public-holiday lookup
0.5 MB (Russia's module alone: `bot.domain.public_days`; through `holidays.countries` it was 8
MB), SQLite's own heap 1.5 MB (page and statement caches of the 5 pooled connections), and the
allocators' slack. Cut already: glibc's per-thread arenas (two arenas, `bot.memory`: -4 MB)
and aiogram's memo of `Update.event_type`, which kept the last 128 updates alive
(`handlers.middlewares.forget_event_types`: -3 MB); 230 MB after 1,000 updates, +64 MB.
matplotlib (+41 MB with numpy, fontTools, PIL) and openpyxl (+5 MB) load with the first chart
or export, in its worker thread; alembic (+8 MB) only when there is something to migrate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.deploy import cpu_seconds
from benchmarks.load_people import Act, Person, Plan, messages_asked, place, script, seed
from sandbox.server import Sandbox
from sandbox.world import World
from tests.e2e.chat import child_env

# The reference's own figures, printed by itself as it ends: VmRSS, VmHWM (kB), CPU seconds.
REFERENCE = """\
import aiogram
import os
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
times = os.times()
print(int(status["VmRSS"].split()[0]), int(status["VmHWM"].split()[0]), times.user + times.system)
"""
START_WAIT = 180.0  # seconds a start may take on a very busy machine
ANSWER_WAIT = 60.0  # seconds one update may take to be answered
SETTLE = 3.0  # seconds a start that serves no updates runs on before it is stopped
PER_USER = 20  # updates each seller sends: 50 sellers for 1,000 updates
GOAL_START, GOAL_RSS_MB = 1.5, 60.0


@dataclass
class Reference:
    wall: float  # seconds from spawn to exit
    cpu: float  # seconds
    rss_mb: float
    hwm_mb: float


@dataclass
class Start:
    wall: float  # seconds from spawn to the first getUpdates
    cpu: float  # the bot's CPU seconds at that moment
    rss_mb: float  # the bot's VmRSS at that moment


@dataclass
class Served:
    updates: int
    seconds: float
    rss_mb: float  # VmRSS once every update is answered
    early_mb: float  # VmRSS once the first tenth of them was answered
    hwm_mb: float  # VmHWM: the most it held at any moment
    threads: int


@dataclass
class Figures:
    references: list[Reference] = field(default_factory=list)
    starts: list[Start] = field(default_factory=list)
    served: Served | None = None
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def lines(self) -> list[str]:
        ref_wall = statistics.median(r.wall for r in self.references)
        ref_cpu = statistics.median(r.cpu for r in self.references)
        ref_rss = statistics.median(r.rss_mb for r in self.references)
        wall = statistics.median(s.wall for s in self.starts)
        cpu = statistics.median(s.cpu for s in self.starts)
        rss = statistics.median(s.rss_mb for s in self.starts)
        walls = ", ".join(f"{r.wall:.2f}" for r in self.references)
        starts = ", ".join(f"{s.wall:.2f}" for s in self.starts)
        out = [
            f"machine: {os.cpu_count()} cores, load average {_load(self.load_before)} before, "
            f"{_load(self.load_after)} after",
            f"import aiogram: median {ref_wall:.2f} s wall ({walls}), {ref_cpu:.2f} CPU-s, "
            f"RSS {ref_rss:.0f} MB",
            f"python -m bot, spawn to first getUpdates: median {wall:.2f} s wall ({starts}), "
            f"{cpu:.2f} CPU-s, RSS {rss:.0f} MB then",
            f"start / import aiogram: {wall / ref_wall:.2f}× wall, {cpu / ref_cpu:.2f}× CPU "
            f"(goal ≤ {GOAL_START})",
        ]
        if self.served is not None:
            s = self.served
            out += [
                f"after {s.updates} updates in {s.seconds:.1f} s: RSS {s.rss_mb:.0f} MB "
                f"(peak {s.hwm_mb:.0f} MB, {s.threads} threads; {s.early_mb:.0f} MB after "
                f"the first {s.updates // 10})",
                f"RSS − aiogram's RSS: {s.rss_mb - ref_rss:+.0f} MB (goal ≤ {GOAL_RSS_MB:.0f} MB)",
            ]
        return out


def _load(values: tuple[float, float, float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def status_mb(pid: int) -> dict[str, float]:
    """VmRSS, VmHWM… of a live process, in MB (and its Threads, a count)."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            found[name] = int(value.split()[0]) / 1024
        elif name == "Threads":
            found[name] = int(value)
    return found


def reference(cwd: Path) -> Reference:
    """`import aiogram` alone, in a fresh interpreter like the bot's."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", REFERENCE],
        cwd=cwd,
        env=child_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=START_WAIT,
    )
    wall = time.perf_counter() - started
    rss, hwm, cpu = done.stdout.split()
    return Reference(wall, float(cpu), int(rss) / 1024, int(hwm) / 1024)


@dataclass
class PolledWorld(World):
    """The stand-in's world, noting when the first getUpdates arrives."""

    first_poll: float | None = None
    polled: asyncio.Event = field(default_factory=asyncio.Event)

    def pending(self, offset: int | None, limit: int) -> list[dict[str, object]]:
        if self.first_poll is None:
            self.first_poll = time.monotonic()
            self.polled.set()
        return super().pending(offset, limit)


class Bot:
    """One `python -m bot` in polling mode against the stand-in; its output in a file."""

    def __init__(self, env: dict[str, str], folder: Path, run: int) -> None:
        self.env, self.folder, self.run = env, folder, run
        self.log = folder / f"bot-{run}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, world: PolledWorld) -> Start:
        with self.log.open("wb") as out:
            spawned = time.monotonic()
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=self.folder, env=self.env,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        waiting = asyncio.create_task(world.polled.wait())
        exited = asyncio.create_task(self.process.wait())
        await asyncio.wait({waiting, exited}, timeout=START_WAIT, return_when="FIRST_COMPLETED")
        waiting.cancel()
        exited.cancel()
        if world.first_poll is None:
            raise RuntimeError(f"the bot did not poll: {self.output()[-2000:]}")
        pid = self.process.pid
        return Start(world.first_poll - spawned, cpu_seconds(pid), status_mb(pid)["VmRSS"])

    async def stop(self) -> None:
        """SIGINT, as Ctrl-C; a bot that tracebacks or will not stop breaks the benchmark."""
        process = self.process
        assert process is not None
        if process.returncode is None:
            process.send_signal(2)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
                tail = self.output()[-2000:]
                raise RuntimeError(f"the bot did not stop on SIGINT: {tail}") from None
        output = self.output()
        if "Traceback" in output or process.returncode != 0:
            at = max(0, output.find("Traceback") - 1000)  # the first one, or the end
            shown = output[at : at + 6000] if "Traceback" in output else output[-4000:]
            raise RuntimeError(f"the bot (run {self.run}) exited {process.returncode}: {shown}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")


async def answered(world: World, person: Person, query: str | None, messages: int) -> None:
    """Until the bot has answered the press (its toast) and the chat holds `messages` of the
    bot's messages."""
    deadline = time.monotonic() + ANSWER_WAIT
    while time.monotonic() < deadline:
        version = world.version
        toasted = query is None or query not in world.queries
        sent = sum(1 for m in world.chats[person.tg] if m.get("out"))
        if toasted and sent >= messages:
            return
        await world.wait_change(version, 0.5)
    raise RuntimeError(f"seller {person.index}: no answer within {ANSWER_WAIT:.0f} s")


async def work(
    person: Person, updates: int, world: World, rng: random.Random, answer: Callable[[], None]
) -> None:
    """One seller's updates (`benchmarks.load_people`), each once the last is answered."""
    steps = script(updates, person.phase)
    messages = sum(1 for m in world.chats[person.tg] if m.get("out"))
    for seq, step in enumerate(steps):
        await asyncio.sleep(rng.uniform(0.5, 1.5))  # flood control lets two a second through
        query = None
        if step.act is Act.TYPE_NOTE:
            await world.user_sends(person.tg, f"Созвонились, ждут КП к пятнице. #{seq}")
        else:
            message = person.tasks_message if step.on_tasks else person.card_message
            query = await world.user_presses(person.tg, message, person.press(step))
        messages += messages_asked([step])
        await answered(world, person, query, messages)
        answer()


async def run(repeats: int, updates: int, per_user: int = PER_USER) -> Figures:
    """`per_user`: each seller's updates, one after another (~2 s each with the thought and
    the chat's pace), so fewer a seller means more sellers and a shorter run."""
    figures = Figures(load_before=os.getloadavg())
    plan = Plan(users=max(1, -(-updates // per_user)), per_user=min(per_user, updates))
    first_tg = 10**12 + secrets.randbelow(10**12) * 1000
    admin, token = first_tg - 1, f"{10**9 + secrets.randbelow(10**9)}:start-{secrets.token_hex(8)}"
    with tempfile.TemporaryDirectory(prefix="salesbot-startup-") as scratch:
        folder = Path(scratch)
        database = folder / "bot.db"
        people = await seed(f"sqlite+aiosqlite:///{database}", plan, first_tg, admin)
        env = child_env(BOT_TOKEN=token, DATABASE_URL=f"sqlite:///{database}",
                        BOT_ADMINS=str(admin))  # fmt: skip
        for run in range(repeats):
            figures.references.append(await asyncio.to_thread(reference, folder))
            box = Sandbox(token=token, world=PolledWorld())
            await box.start("127.0.0.1", 0)
            bot = Bot(env | {"TELEGRAM_API_URL": box.url}, folder, run)
            try:
                figures.starts.append(await bot.start(box.world))  # type: ignore[arg-type]
                if run == repeats - 1 and updates > 0:
                    figures.served = await serve(bot, box.world, people, plan)
                else:  # the catch-up jobs of the start done: a stop mid-way is another test
                    await asyncio.sleep(SETTLE)
            finally:
                try:
                    await bot.stop()
                finally:
                    await box.stop()
    figures.load_after = os.getloadavg()
    return figures


async def serve(bot: Bot, world: World, people: list[Person], plan: Plan) -> Served:
    assert bot.process is not None
    pid, count, early = bot.process.pid, 0, 0.0

    def one_answered() -> None:
        nonlocal count, early
        count += 1
        if count == max(1, plan.updates // 10):
            early = status_mb(pid)["VmRSS"]

    await place(world, people)
    started = time.monotonic()
    await asyncio.gather(*(
        work(p, plan.per_user, world, random.Random(plan.seed * 100_003 + p.index),
             one_answered)
        for p in people
    ))  # fmt: skip
    took = time.monotonic() - started
    await asyncio.sleep(1)  # the last answers' own work done (an edit after the toast)
    memory = status_mb(pid)
    return Served(
        plan.updates, took, memory["VmRSS"], early, memory["VmHWM"], int(memory["Threads"])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=5, help="starts, and references")
    parser.add_argument("--updates", type=int, default=1000, help="served by the last start")
    args = parser.parse_args()
    figures = asyncio.run(run(args.repeats, args.updates))
    print("\n".join(figures.lines()), flush=True)


if __name__ == "__main__":
    main()
