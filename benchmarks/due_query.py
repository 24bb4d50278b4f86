"""The due-reminder query on a large task table: its plan, and its time against a table scan.

A fresh migrated database gets a few users and deals and N tasks (1,000,000 by default),
inserted by the database itself (``generate_series`` on PostgreSQL, a recursive CTE on SQLite),
then ANALYZE. The shape is a long-lived installation's: about 15% of the tasks are open and the
rest done; about 2% (all open) still owe a reminder, with ``remind_at`` spread over the last day
and the next 30 days; every other task has ``remind_at`` NULL (reminded already, or done).

The query is the one the reminder job runs, through the same code path:
``SqlTaskRepo(session).due_reminders(now, BATCH)``. Each call is timed with perf_counter
(median and p95 over ``--repeat`` calls, after a few untimed ones; the session is emptied
between calls, as a fresh unit of work would be). The SQL the repository sent is captured and
explained with the same parameters: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS)
on PostgreSQL. The script exits non-zero unless that plan uses ``ix_task_remind_at``.

Then the same calls with the index out of reach: on SQLite the captured SQL is rewritten to
``FROM task NOT INDEXED``; on PostgreSQL the session sets ``enable_indexscan`` and
``enable_bitmapscan`` off. Printed: both plans, both timings, and the ratio scan/indexed of the
medians. No time is asserted.

PostgreSQL runs in a schema of its own (``bench_due_query``, dropped first and at the end) of
the database named by TEST_POSTGRES_URL; SQLite in a file in a temporary directory.

    .venv/bin/python benchmarks/due_query.py [--tasks N] [--db sqlite|postgres|both] [--repeat R]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import bindparam, event, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from benchmarks.common import postgres_engine, sqlite_engine
from bot.jobs.reminders import BATCH
from storage.db import make_sessions, migrate
from storage.models import DealRow, PipelineRow, StageRow, TaskRow, UserRow, UtcDateTime
from storage.tasks import SqlTaskRepo

POSTGRES_SCHEMA = "bench_due_query"
INDEX = "ix_task_remind_at"
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # the job's "now"; the data is placed around it
SELLERS = 20
DEALS = 2000
WARMUP = 3  # untimed calls before each timed series
DAY = 86_400

# --------------------------------------------------------------------------- the data

# One row per g = 1..N. h is a multiplicative hash of g, so the buckets are not tied to the id
# (nor to the deal or the seller, which follow g). h % 100 < 15: open; h % 100 < 2: a reminder
# is still owed, at NOW - 1 day .. NOW + 30 days (due_at is the same time, as `add` sets it).
# Everything else: remind_at NULL, due in the last year. Done tasks were done at their due time.
TASK_COLUMNS = (
    "deal_id, assignee_id, created_by, text, due_at, status, remind_at, created_at, done_at, "
    "version"
)
OWED = "h % 100 < 2"
OPEN = "h % 100 < 15"
OFFSET = f"CASE WHEN {OWED} THEN (h / 100) % {31 * DAY} - {DAY} ELSE -((h / 100) % {365 * DAY}) END"
TASK_VALUES = """
    CASE WHEN g % 10 = 0 THEN NULL ELSE g % {deals} + 1 END,
    g % {sellers} + 1,
    g % {sellers} + 1,
    'Call back about the offer ' || g,
    {due},
    CASE WHEN {open} THEN 'open' ELSE 'done' END,
    CASE WHEN {owed} THEN {due} ELSE NULL END,
    {created},
    CASE WHEN {open} THEN NULL ELSE {due} END,
    1
"""
HASH = "(g * 2654435761) % 4294967296"


def sqlite_at(seconds: str) -> str:
    """NOW + seconds, in the text form SQLAlchemy stores on SQLite (microseconds included)."""
    return f"strftime('%Y-%m-%d %H:%M:%S', :base, ({seconds}) || ' seconds') || '.000000'"


def postgres_at(seconds: str) -> str:
    return f"CAST(:base AS timestamptz) + make_interval(secs => ({seconds}))"


def task_select(at: Callable[[str], str]) -> str:
    values = TASK_VALUES.format(
        deals=DEALS,
        sellers=SELLERS,
        due=at(OFFSET),
        created=at(f"{OFFSET} - {3 * DAY}"),
        open=OPEN,
        owed=OWED,
    )
    return f"SELECT {values} FROM (SELECT g, {HASH} AS h FROM numbers) AS n"


def insert_tasks_sql(dialect: str) -> str:
    if dialect == "sqlite":
        numbers = "SELECT 1 UNION ALL SELECT g + 1 FROM numbers WHERE g < :n"
        return (
            f"WITH RECURSIVE numbers(g) AS ({numbers}) "
            f"INSERT INTO task ({TASK_COLUMNS}) {task_select(sqlite_at)}"
        )
    numbers = "SELECT generate_series(1, :n) AS g"
    return (
        f"WITH numbers AS ({numbers}) INSERT INTO task ({TASK_COLUMNS}) {task_select(postgres_at)}"
    )


async def insert_people_and_deals(session: AsyncSession) -> None:
    """The rows the tasks point to: sellers, one pipeline with one stage, DEALS deals."""
    user = {"role": "seller", "language": "ru", "is_active": True, "created_at": NOW}
    users = [{**user, "tg_id": 1000 + i, "name": f"Seller {i}"} for i in range(1, SELLERS + 1)]
    await session.execute(insert(UserRow), users)
    await session.execute(
        insert(PipelineRow),
        [{"name": "Sales", "kind": "sales", "position": 0, "is_archived": False}],
    )
    stage = {"pipeline_id": 1, "name": "New", "position": 0, "probability": 10, "stall_days": 7}
    await session.execute(insert(StageRow), [{**stage, "is_archived": False}])
    await session.execute(insert(DealRow), [deal(i) for i in range(1, DEALS + 1)])


def deal(i: int) -> dict[str, Any]:
    return {
        "title": f"Deal {i}",
        "title_search": f"deal {i}",
        "currency": "RUB",
        "pipeline_id": 1,
        "stage_id": 1,
        "owner_id": i % SELLERS + 1,
        "status": "open",
        "is_new_client": True,
        "created_at": NOW - timedelta(days=90),
        "stage_entered_at": NOW - timedelta(days=30),
        "version": 1,
    }


async def insert_tasks(session: AsyncSession, n: int) -> None:
    sql = insert_tasks_sql(session.get_bind().dialect.name)
    stmt = text(sql).bindparams(bindparam("base", NOW, type_=UtcDateTime()), n=n)
    await session.execute(stmt)


async def analyze(engine: AsyncEngine) -> None:
    """ANALYZE; on PostgreSQL VACUUM too, so the scans meet settled pages (hint bits)."""
    if engine.dialect.name == "sqlite":
        async with engine.begin() as conn:
            await conn.exec_driver_sql("ANALYZE")
        return
    async with engine.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.exec_driver_sql("VACUUM (ANALYZE) task")
        await auto.exec_driver_sql("ANALYZE")


@dataclass
class Setup:
    migrate: float
    insert: float
    analyze: float

    @property
    def total(self) -> float:
        return self.migrate + self.insert + self.analyze


async def build(engine: AsyncEngine, n: int) -> Setup:
    """A migrated database with N tasks, analyzed; the time of each step."""
    started = time.perf_counter()
    await migrate(engine)
    migrated = time.perf_counter()
    async with make_sessions(engine)() as session:
        await insert_people_and_deals(session)
        await insert_tasks(session, n)
        await session.commit()
    inserted = time.perf_counter()
    await analyze(engine)
    done = time.perf_counter()
    return Setup(migrated - started, inserted - migrated, done - inserted)


# --------------------------------------------------------------------------- measuring


@dataclass
class Captured:
    """The last statement the engine sent, as the driver got it."""

    statement: str = ""
    parameters: Any = ()


@contextmanager
def capturing(engine: AsyncEngine, rewrite: Callable[[str], str] | None) -> Iterator[Captured]:
    """Records each statement sent while the block runs, rewritten first if asked."""
    captured = Captured()

    def seen(*args: Any) -> tuple[str, Any]:
        statement, parameters = args[2], args[3]
        if rewrite is not None:
            statement = rewrite(statement)
        captured.statement, captured.parameters = statement, parameters
        return statement, parameters

    event.listen(engine.sync_engine, "before_cursor_execute", seen, retval=True)
    try:
        yield captured
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)


def not_indexed(statement: str) -> str:
    """SQLite: the same SQL with the task table read without any of its indexes."""
    rewritten, count = re.subn(r"\bFROM task\b", "FROM task NOT INDEXED", statement)
    if count != 1:
        raise RuntimeError(f"cannot place NOT INDEXED in: {statement}")
    return rewritten


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)
    rows: int = 0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def p95_ms(self) -> float:
        if len(self.seconds) < 2:
            return max(self.seconds) * 1000
        return statistics.quantiles(self.seconds, n=20, method="inclusive")[-1] * 1000


async def time_calls(session: AsyncSession, repeat: int) -> Timing:
    """The job's call, timed; the identity map emptied between calls (a fresh unit of work)."""
    repo, timing = SqlTaskRepo(session), Timing()
    for i in range(WARMUP + repeat):
        started = time.perf_counter()
        tasks = await repo.due_reminders(NOW, BATCH)
        elapsed = time.perf_counter() - started
        session.expunge_all()
        if i >= WARMUP:
            timing.seconds.append(elapsed)
        timing.rows = len(tasks)
    return timing


async def explain(session: AsyncSession, captured: Captured) -> str:
    """The plan of the captured statement with its own parameters."""
    conn = await session.connection()
    if conn.dialect.name == "sqlite":
        sql = f"EXPLAIN QUERY PLAN {captured.statement}"
        rows: list[Any] = list(await conn.exec_driver_sql(sql, captured.parameters))
        return sqlite_tree([(int(r[0]), int(r[1]), str(r[3])) for r in rows])
    sql = f"EXPLAIN (ANALYZE, BUFFERS) {captured.statement}"
    return "\n".join(r[0] for r in await conn.exec_driver_sql(sql, captured.parameters))


def sqlite_tree(rows: list[tuple[int, int, str]]) -> str:
    """EXPLAIN QUERY PLAN rows (id, parent, detail) indented as the sqlite3 shell shows them."""
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return "\n".join(lines)


@dataclass
class Measured:
    timing: Timing
    plan: str


async def measure(engine: AsyncEngine, scan: bool, repeat: int) -> Measured:
    """Timed calls and the plan, with the index in reach or (scan) out of it."""
    sqlite = engine.dialect.name == "sqlite"
    async with make_sessions(engine)() as session:
        if scan and not sqlite:  # SET LOCAL: gone with this transaction
            await session.execute(text("SET LOCAL enable_indexscan = off"))
            await session.execute(text("SET LOCAL enable_bitmapscan = off"))
        with capturing(engine, not_indexed if scan and sqlite else None) as captured:
            timing = await time_calls(session, repeat)
        plan = await explain(session, captured)
        await session.rollback()
    return Measured(timing, plan)


def uses_index(plan: str) -> bool:
    sqlite = f"USING INDEX {INDEX}"
    postgres = rf"(Bitmap Index Scan on|Index Scan( Backward)? using) {INDEX}\b"
    return sqlite in plan or re.search(postgres, plan) is not None


# --------------------------------------------------------------------------- databases


# --------------------------------------------------------------------------- the run


@dataclass
class Result:
    db: str
    tasks: int
    owed: int
    due: int
    setup: Setup
    indexed: Measured
    scan: Measured

    @property
    def ratio(self) -> float:
        return self.scan.timing.median_ms / self.indexed.timing.median_ms


async def count_rows(engine: AsyncEngine) -> tuple[int, int, int]:
    """Tasks, tasks owing a reminder, and those due at NOW (what the query matches)."""
    owed = TaskRow.remind_at.is_not(None)
    due = (TaskRow.remind_at <= NOW) & (TaskRow.status == "open")
    counts = select(func.count(), func.count().filter(owed), func.count().filter(due))
    async with engine.connect() as conn:
        tasks, owing, due_now = (await conn.execute(counts.select_from(TaskRow))).one()
    return int(tasks), int(owing), int(due_now)


async def run(db: str, args: argparse.Namespace) -> Result:
    opened = sqlite_engine() if db == "sqlite" else postgres_engine(POSTGRES_SCHEMA)
    async with opened as engine:
        setup = await build(engine, args.tasks)
        tasks, owed, due = await count_rows(engine)
        indexed = await measure(engine, scan=False, repeat=args.repeat)
        scan = await measure(engine, scan=True, repeat=args.scan_repeat)
    return Result(db, tasks, owed, due, setup, indexed, scan)


def timing_line(name: str, measured: Measured) -> str:
    t = measured.timing
    return (
        f"{name:<8} median {t.median_ms:9.3f} ms   p95 {t.p95_ms:9.3f} ms   "
        f"({len(t.seconds)} calls, {t.rows} rows each)"
    )


def report(r: Result) -> None:
    s = r.setup
    print(f"== {r.db}: {r.tasks} tasks, {r.owed} owe a reminder, {r.due} due at {NOW:%F %R} UTC")
    print(
        f"set-up   {s.total:.1f} s (migrate {s.migrate:.1f}, insert {s.insert:.1f}, "
        f"analyze {s.analyze:.1f})"
    )
    print(f"query    due_reminders(now, {BATCH})")
    print(timing_line("indexed", r.indexed))
    print(timing_line("scan", r.scan))
    print(f"ratio    scan/indexed (medians) {r.ratio:.1f}")
    print("plan (indexed):")
    print(indent(r.indexed.plan))
    print("plan (scan):")
    print(indent(r.scan.plan))


def indent(plan: str) -> str:
    return "\n".join(f"    {line}" for line in plan.splitlines())


def verdict(r: Result) -> bool:
    ok = True
    if not uses_index(r.indexed.plan):
        print(f"FAIL {r.db}: the due-item query does not use {INDEX}")
        ok = False
    if uses_index(r.scan.plan):
        print(f"FAIL {r.db}: the forced table scan still uses {INDEX}; the ratio means nothing")
        ok = False
    return ok


async def main(args: argparse.Namespace) -> int:
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    ok = True
    for db in dbs:
        result = await run(db, args)
        report(result)
        ok = verdict(result) and ok
        print()
    return 0 if ok else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tasks", type=int, default=1_000_000, help="tasks (1000000)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=200, help="timed indexed calls (200)")
    parser.add_argument("--scan-repeat", type=int, default=10, help="timed scan calls (10)")
    args = parser.parse_args()
    if args.tasks < 1 or args.repeat < 1 or args.scan_repeat < 1:
        parser.error("--tasks, --repeat and --scan-repeat must be positive")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
