"""What the benchmarks share: a scratch database of either kind, and a bot session that
never goes to the network."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiogram.client.session.base import BaseSession
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_engine

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


@asynccontextmanager
async def sqlite_engine() -> AsyncIterator[AsyncEngine]:
    with tempfile.TemporaryDirectory(prefix="salesbot-bench-") as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp}/bench.db")
        try:
            yield engine
        finally:
            await engine.dispose()


async def _reset_schema(schema: str, create: bool) -> None:
    engine = make_engine(POSTGRES_URL)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            if create:
                await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        await engine.dispose()


@asynccontextmanager
async def postgres_engine(schema: str) -> AsyncIterator[AsyncEngine]:
    # TEST_POSTGRES_URL names a scratch test database. A benchmark still keeps to a schema of
    # its own (dropped and recreated first, dropped at the end) instead of resetting "public",
    # so a test run against the same database at the same time is left alone.
    await _reset_schema(schema, create=True)
    engine = make_engine(POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}})
    try:
        yield engine
    finally:
        await engine.dispose()
        await _reset_schema(schema, create=False)


class OfflineSession(BaseSession):
    """The parts of a session a benchmark never uses; subclasses answer `make_request`."""

    async def close(self) -> None:
        pass

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109  (the base class signature)
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError("the benchmark downloads nothing")
        yield b""  # makes this an async generator, like the base method
