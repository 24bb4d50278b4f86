"""An empty database for migration tests, and a migration step to a given revision."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, text

from storage.db import alembic_config, make_engine

SCHEMA = f"empty_{os.getpid()}"  # one per process: xdist workers never meet


async def _recreate_schema(url: str, create: bool) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            if create:
                await conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, dict[str, Any]]]:
    """An empty database and the engine options that reach it: a new SQLite file, or a new
    schema on the test PostgreSQL server (its own search_path, so its tables stay apart)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", {}
        return
    url = str(request.getfixturevalue("postgres_url"))
    asyncio.run(_recreate_schema(url, create=True))
    try:
        yield url, {"connect_args": {"server_settings": {"search_path": SCHEMA}}}
    finally:
        asyncio.run(_recreate_schema(url, create=False))


def upgrade_to(revision: str) -> Callable[[Connection], None]:
    """For run_migrations: alembic's upgrade to `revision` on the connection it is given."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    return upgrade
