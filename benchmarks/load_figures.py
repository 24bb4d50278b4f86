"""What a load run measured, and the checks of every update: lost, handled twice, out of
order (`benchmarks/load.py`).

Per update: a press is handled when its callback query is answered (the stand-in records every
answerCallbackQuery, refused ones too: a second answer to one press is a second handling); a
typed note when the database holds a note with its mark; a "Done" also when its task is done.
Order, per person: the answers as the stand-in took them, and the "Done"s' and notes' times in
the database, each in the order the person sent the updates.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from benchmarks.deploy import backends_cpu, cpu_seconds, machine_busy, named_cpu_seconds
from benchmarks.load_people import Act, Person, Plan, mark, messages_asked, script
from sandbox.webhook import Posted
from sandbox.world import World
from storage.db import make_engine


@dataclass
class Cpu:
    """CPU seconds each part used during the run, and the machine's (all cores, anyone's)."""

    workers: float = 0.0
    stand_in: float = 0.0  # this process: the Bot API, the poster, the people
    proxy: float = 0.0
    postgres: float = 0.0  # the backends serving this run's database
    redis: float = 0.0  # the whole server: other users of it too
    machine_busy: float = 0.0
    machine_total: float = 0.0

    @property
    def ours(self) -> float:
        return self.workers + self.stand_in + self.proxy + self.postgres + self.redis


class CpuMeter:
    """The CPU counters read when the run starts; what was spent since, when it ends."""

    def __init__(self, workers: list[int], proxy: int, db_url: str) -> None:
        self._workers, self._proxy, self._db_url = workers, proxy, db_url
        self._start: tuple[dict[str, float], dict[int, float]] = ({}, {})

    async def start(self) -> None:
        self._start = await self._read()

    async def spent(self) -> Cpu:
        (now, backends), (then, before) = await self._read(), self._start
        # A backend opened during the run is counted whole; one closed during it is missed
        # (the workers' pools keep theirs open).
        postgres = sum(backends.values()) - sum(before.get(pid, 0.0) for pid in backends)
        return Cpu(postgres=postgres, **{name: now[name] - then[name] for name in now})

    async def _read(self) -> tuple[dict[str, float], dict[int, float]]:
        busy, total = machine_busy()
        counters = {
            "workers": sum(cpu_seconds(pid) for pid in self._workers),
            "stand_in": time.process_time(),
            "proxy": cpu_seconds(self._proxy),
            "redis": named_cpu_seconds("redis-server"),
            "machine_busy": busy,
            "machine_total": total,
        }
        return counters, await backends_cpu(self._db_url)


@dataclass
class Figures:
    """What a run measured and what the checks found."""

    workers: int
    users: int
    updates: int
    acknowledged: int = 0
    elapsed: float = 0.0  # first post to last acknowledgement, seconds
    lost: int = 0
    twice: int = 0  # an effect seen twice (a press answered twice, a note saved twice)
    rerun: int = 0  # updates handled again after a try that failed part-way (answered 500)
    out_of_order: int = 0
    throttled: int = 0  # the stand-in's 429s
    retried: Counter[int] = field(default_factory=Counter)  # posts not acknowledged, by status
    refused_calls: Counter[str] = field(default_factory=Counter)  # bot calls refused
    latency: list[float] = field(default_factory=list)  # post to 2xx, seconds, each update
    handled_by_worker: list[int] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)  # webhook outcomes, all workers
    messages: int = 0  # new messages Telegram accepted
    messages_asked: int = 0  # ... of which the updates asked for
    proxy: dict[str, Any] = field(default_factory=dict)
    cpu: Cpu = field(default_factory=Cpu)
    load_before: float = 0.0  # the machine's 1-minute load average before the run
    errors_logged: int = 0  # ERROR lines and tracebacks in the workers' logs
    exits: dict[str, int | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # the first few lost/twice/order cases

    def note(self, problem: str) -> None:
        if len(self.problems) < 50:
            self.problems.append(problem)

    @property
    def throughput(self) -> float:
        return self.acknowledged / self.elapsed if self.elapsed else 0.0

    def ceiling(self, cores: int) -> float:
        """Updates a second the CPU allows at this run's cost per update: a worker is one
        process on one core at most, and every part together has the machine's cores."""
        per = max(self.acknowledged, 1)
        if not self.cpu.workers or not self.cpu.ours:
            return 0.0
        one_core = min(self.workers, cores) * per / self.cpu.workers
        return min(one_core, cores * per / self.cpu.ours)

    def lines(self) -> list[str]:
        ms = sorted(s * 1000 for s in self.latency) or [0.0]
        cpu, per = self.cpu, max(self.acknowledged, 1)
        total = max(cpu.machine_total, 1e-9)
        cores = cpu.machine_total / self.elapsed if self.elapsed else 0.0
        return [
            f"{self.workers} worker(s): {self.acknowledged}/{self.updates} updates from "
            f"{self.users} people in {self.elapsed:.1f} s = {self.throughput:.1f} updates/s",
            f"  lost {self.lost}, handled twice {self.twice} (+ run again after a failed try "
            f"{self.rerun}), out of order {self.out_of_order}, "
            f"429s {self.throttled}; posts retried {sum(self.retried.values())} "
            f"{dict(self.retried)}; bot calls refused {dict(self.refused_calls)}",
            f"  post→2xx: median {statistics.median(ms):.0f} ms, p90 {ms[int(len(ms) * 0.9)]:.0f}"
            f" ms, p99 {ms[int(len(ms) * 0.99)]:.0f} ms, max {ms[-1]:.0f} ms; "
            f"messages posted {self.messages} of {self.messages_asked} asked "
            f"({self.messages / self.elapsed:.1f}/s)"
            if self.elapsed
            else "  nothing measured",
            f"  handled by worker {self.handled_by_worker}; webhook outcomes "
            f"{dict(self.outcomes)}; proxy {self.proxy}",
            f"  CPU ms per update: workers {cpu.workers / per * 1000:.1f}, stand-in "
            f"{cpu.stand_in / per * 1000:.1f}, proxy {cpu.proxy / per * 1000:.1f}, PostgreSQL "
            f"{cpu.postgres / per * 1000:.1f}, Redis {cpu.redis / per * 1000:.1f}; of the "
            f"{cores:.0f} cores' time these took {cpu.ours / total * 100:.0f} %, everything "
            f"{cpu.machine_busy / total * 100:.0f} % (load average {self.load_before:.2f} before)",
            f"  worker exits {self.exits}, errors logged {self.errors_logged}",
            *(f"  ! {p}" for p in self.problems[:10]),
        ]


def count_workers(
    figures: Figures, metrics: list[dict[tuple[str, str], float]], logs: list[str]
) -> None:
    """The webhook's outcomes as each worker counted them (/metrics), and their logs' errors."""
    for counted in metrics:
        handled = 0
        for (series, outcome), value in counted.items():
            if series == "salesbot_webhook_requests_total":
                figures.outcomes[outcome] += int(value)
                handled += int(value) if outcome == "handled" else 0
        figures.handled_by_worker.append(handled)
    figures.errors_logged = sum(log.count("Traceback") + log.count(" ERROR ") for log in logs)


def count_posts(figures: Figures, records: list[Posted]) -> None:
    """Throughput and latency as Telegram's side saw them, and the posts it had to repeat."""
    acked = [r for r in records if r.acked_at is not None]
    figures.acknowledged = len(acked)
    if acked:
        first = min(r.first_at for r in records)
        figures.elapsed = max(r.acked_at or 0.0 for r in acked) - first
        figures.latency = [(r.acked_at or 0.0) - r.first_at for r in acked]
    figures.retried = Counter(s for r in records for s in r.statuses if not 200 <= s < 300)
    # A 500 means the update's handler ran and raised: whatever it did before that, it does
    # again when Telegram's retry comes (a 503 means it was not taken, a 0 never reached it).
    figures.rerun = sum(500 in r.statuses for r in records)


async def check(
    figures: Figures,
    plan: Plan,
    people: list[Person],
    presses: dict[tuple[int, int], str],
    world: World,
    db_url: str,
) -> None:
    """Lost, twice and out of order, update by update; the stand-in's refusals and 429s."""
    answers: dict[str, list[float]] = {}
    for at, query, _ in world.answers:
        answers.setdefault(query, []).append(at)
    done_at, notes = await database_effects(db_url)
    for person in people:
        steps = script(plan.per_user, person.phase)
        figures.messages_asked += messages_asked(steps)
        answered_at: list[tuple[float, int]] = []
        written_at: list[tuple[float, int]] = []
        for seq, step in enumerate(steps):
            where = f"person {person.index} update {seq} ({step.act.value})"
            if step.act is Act.TYPE_NOTE:
                saved = notes.get(mark(person, seq), [])
                figures.lost += not saved
                figures.twice += len(saved) > 1
                _problem(figures, where, len(saved))
                written_at.extend((at, seq) for at in saved[:1])
                continue
            times = answers.get(presses.get((person.index, seq), ""), [])
            figures.lost += not times
            figures.twice += len(times) > 1
            _problem(figures, where, len(times))
            answered_at.extend((at, seq) for at in times[:1])
            if step.act is Act.DONE:
                finished = done_at.get(person.tasks[step.task])
                if finished is None:
                    figures.lost += 1
                    figures.note(f"{where}: the task is not done")
                else:
                    written_at.append((finished, seq))
        for sequence in (answered_at, written_at):
            seqs = [seq for _, seq in sorted(sequence)]
            inversions = sum(a > b for a, b in itertools.pairwise(seqs))
            figures.out_of_order += inversions
            if inversions:
                figures.note(f"person {person.index}: handled in the order {seqs}")
    figures.throttled = world.throttled
    figures.messages = len(world.deliveries)
    figures.refused_calls = Counter(f"{m} {s}" for _, m, _, s in world.calls if s != 200)
    figures.refused_calls["answerCallbackQuery 400"] += sum(not ok for *_, ok in world.answers)
    figures.refused_calls += Counter()  # drops the zero


def _problem(figures: Figures, where: str, times: int) -> None:
    if times != 1:
        figures.note(f"{where}: handled {times} times")


async def database_effects(db_url: str) -> tuple[dict[int, float], dict[str, list[float]]]:
    """Each done task's time done, and each note's times saved, by the mark it carries."""
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            tasks = await conn.execute(text("SELECT id, done_at FROM task WHERE status = 'done'"))
            done_at = {row.id: row.done_at.timestamp() for row in tasks}
            rows = await conn.execute(
                text("SELECT text, at FROM deal_event WHERE kind = 'note' ORDER BY id")
            )
            notes: dict[str, list[float]] = {}
            for row in rows:
                notes.setdefault(str(row.text).rsplit(" ", 1)[-1], []).append(row.at.timestamp())
    finally:
        await engine.dispose()
    return done_at, notes
