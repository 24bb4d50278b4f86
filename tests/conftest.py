"""Databases for tests: SQLite always, PostgreSQL when it is there (and always in CI)."""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from coverage import Coverage
from hypothesis import HealthCheck, settings
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import sort_tables_and_constraints

from storage.db import make_engine, make_sessions, migrate
from storage.models import Base
from storage.rules import RulesCache
from storage.uow import SqlUnitOfWorkFactory

# Hypothesis: no deadline and no "too slow" health check anywhere (a loaded machine is not a
# failure); in CI the examples are derandomised, so a red run is the same run again.
settings.register_profile(
    "dev", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.register_profile("ci", parent=settings.get_profile("dev"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI", "").lower() in ("1", "true") else "dev")

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# This run's own name on the shared servers: its PostgreSQL database and its Redis keys carry it,
# so that two runs at once (two checkouts, a CI beside a session, two xdist workers) never meet.
RUN_ID = f"{os.getpid()}_{secrets.token_hex(3)}"
# CI sets this so that a missing PostgreSQL fails the run instead of skipping its tests.
REQUIRE_SERVICES = os.environ.get("SALESBOT_REQUIRE_SERVICES", "").lower() in ("1", "true", "yes")


_measuring: list[Coverage] = []  # `make test`'s coverage, kept while it is paused
_UNMEASURED = ("flows", "e2e")  # test folders whose PostgreSQL runs coverage does not trace


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Under coverage (`make test`), only what a storage, unit or integration test on
    PostgreSQL runs is measured, as the context "postgres" (tests/dialect_coverage.py reads
    which lines ran on PostgreSQL); for every other test the tracer is off: it cost ~45 % more
    CPU on the flows, for lines nobody reads, and ~30 % on the flows that run on PostgreSQL
    too, whose dialect-specific lines of storage the storage and integration tests run
    themselves (the check fails if a line is left to the flows alone)."""
    if not _measuring and (current := Coverage.current()) is not None:
        _measuring.append(current)
    if _measuring:
        measuring = _measuring[0]
        measured = item.path.parent.name not in _UNMEASURED
        if measured and item.get_closest_marker("postgres") is not None:
            if Coverage.current() is not measuring:
                measuring.start()
            measuring.switch_context("postgres")
        elif Coverage.current() is measuring:
            measuring.stop()
    yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The end-to-end tests spread evenly through the run. They spend most of their time
    waiting on processes of their own; collected first, they would all fall into the first
    worker's share (xdist hands each worker a run of consecutive tests), which would then wait
    through the whole run while the other two shared the CPU."""
    spread = [item for item in items if item.get_closest_marker("e2e") is not None]
    if not spread or len(spread) == len(items):
        return
    rest = [item for item in items if item.get_closest_marker("e2e") is None]
    step, taken, order = len(rest) / len(spread), 0, []
    for n, item in enumerate(spread):
        upto = round(n * step)
        order += rest[taken:upto]
        order.append(item)
        taken = upto
    items[:] = order + rest[taken:]


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 10:00 Moscow

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _postgres_available() -> str | None:
    async def probe() -> str | None:
        engine = make_engine(POSTGRES_URL)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("select 1"))
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        finally:
            await engine.dispose()
        return None

    return asyncio.run(probe())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test: migrations run once per session."""
    path = tmp_path_factory.mktemp("db") / "template.db"

    async def build() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine)
        await engine.dispose()

    asyncio.run(build())
    return path


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """TEST_POSTGRES_URL, once it answers; nothing created (for a test that makes databases of
    its own on that server)."""
    problem = _postgres_available()
    if problem is not None:
        if REQUIRE_SERVICES:
            pytest.fail(f"PostgreSQL is required (SALESBOT_REQUIRE_SERVICES) but: {problem}")
        pytest.skip(f"PostgreSQL not available: {problem}")
    return POSTGRES_URL


@pytest.fixture(scope="session")
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A database of this run's own on the server TEST_POSTGRES_URL names, migrated, dropped
    at the end: two runs on one machine (two checkouts, a CI beside a session) never meet."""
    server = make_url(postgres_server)
    name = f"{server.database or 'test'}_run_{RUN_ID}"
    url = server.set(database=name).render_as_string(hide_password=False)

    async def admin(statement: str) -> None:
        engine = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    async def create() -> None:
        await admin(f'CREATE DATABASE "{name}"')
        engine = make_engine(url)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()

    asyncio.run(create())
    try:
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# Emptying the database between tests: DELETE, children first, and every sequence back to 1
# in one round trip. TRUNCATE … RESTART IDENTITY did the same in 0.3-0.8 s a test (it makes
# new files for every table and sequence); a few rows per table DELETE empties in ~10 ms.
# Foreign keys in a cycle (a department's head is a user, a user's department a department)
# are cut first: the constraints SQLAlchemy itself would have to drop to order the tables.
_CYCLES = [fk for table, fks in sort_tables_and_constraints(Base.metadata.tables.values())
           if table is None for fk in fks]  # fmt: skip
_EMPTY = "; ".join(
    [
        f'UPDATE "{fk.table.name}" SET '
        + ", ".join(f'"{c.name}" = NULL' for c in fk.columns)
        + " WHERE "
        + " OR ".join(f'"{c.name}" IS NOT NULL' for c in fk.columns)
        for fk in _CYCLES
    ]
    + [f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)]
    + [
        "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n"
        " ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema()"
    ]
)


async def _truncate(engine: AsyncEngine) -> None:
    """Every table empty and every id starting at 1 again, as after migrating."""
    async with engine.begin() as conn:
        asyncpg = (await conn.get_raw_connection()).driver_connection
        assert asyncpg is not None
        await asyncpg.execute(_EMPTY)  # several statements: asyncpg's simple query protocol


# The databases a test that asks for `db_url` runs on, each a test of its own.
DIALECTS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def database_url(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh SQLite copy of the migrated template, or this run's PostgreSQL database."""
    if dialect == "sqlite":
        path = tmp_path / "salesbot.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=DIALECTS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database test runs on a fresh SQLite copy and on PostgreSQL (the flows choose
    theirs: tests/flows/conftest.py)."""
    return database_url(request.param, request, tmp_path)


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(db_url)
    try:
        if eng.dialect.name == "postgresql":
            await _truncate(eng)
        yield eng
    finally:
        await eng.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine, clock: FakeClock) -> SqlUnitOfWorkFactory:
    # The rules' cache checks its version by the test's clock, not the wall's: a test decides
    # when a second has passed, so the statements it counts do not depend on the machine.
    return SqlUnitOfWorkFactory(
        make_sessions(engine), RulesCache(clock=lambda: clock().timestamp())
    )


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session")
def redis_url() -> str:
    async def probe() -> str | None:
        from redis.asyncio import Redis

        client = Redis.from_url(REDIS_URL)
        try:
            await client.ping()
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        finally:
            await client.aclose()
        return None

    problem = asyncio.run(probe())
    if problem is not None:
        if REQUIRE_SERVICES:
            pytest.fail(f"Redis is required (SALESBOT_REQUIRE_SERVICES) but: {problem}")
        pytest.skip(f"Redis not available: {problem}")
    return REDIS_URL


_tests = itertools.count()


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[str]:
    """The start of every Redis key this test makes: its own, so that the database TEST_REDIS_URL
    names may be shared with other tests and other runs; its keys deleted after it, one by one
    (never FLUSHDB, which would empty another run's keys too)."""
    from redis.asyncio import Redis

    prefix = f"test:{RUN_ID}:{next(_tests)}"
    yield prefix
    client = Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
