"""Databases for tests: SQLite always, PostgreSQL when it is there (and always in CI)."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine, make_sessions, migrate
from storage.models import Base
from storage.uow import SqlUnitOfWorkFactory

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# CI sets this so that a missing PostgreSQL fails the run instead of skipping its tests.
REQUIRE_SERVICES = os.environ.get("SALESBOT_REQUIRE_SERVICES", "").lower() in ("1", "true", "yes")


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
    """TEST_POSTGRES_URL, once it answers; its schema untouched (for a test that makes a
    database of its own on that server)."""
    problem = _postgres_available()
    if problem is not None:
        if REQUIRE_SERVICES:
            pytest.fail(f"PostgreSQL is required (SALESBOT_REQUIRE_SERVICES) but: {problem}")
        pytest.skip(f"PostgreSQL not available: {problem}")
    return POSTGRES_URL


@pytest.fixture(scope="session")
def postgres_url(postgres_server: str) -> str:
    """TEST_POSTGRES_URL with its public schema dropped and migrated afresh."""

    async def reset_schema() -> None:
        engine = make_engine(POSTGRES_URL)
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await migrate(engine)
        await engine.dispose()

    asyncio.run(reset_schema())
    return POSTGRES_URL


async def _truncate(engine: AsyncEngine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """Each database test runs on a fresh SQLite copy and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "salesbot.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(db_url)
    if eng.dialect.name == "postgresql":
        await _truncate(eng)
    yield eng
    await eng.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(make_sessions(engine))


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
