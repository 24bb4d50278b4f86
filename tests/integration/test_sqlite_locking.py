"""SQLite's one write lock: a writer takes it up front, a reader never takes it."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.errors import DatabaseBusyError
from bot.services import writes
from storage.db import make_engine, make_sessions
from storage.uow import SqlUnitOfWorkFactory


@pytest.fixture
async def two_processes(
    tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory]]:
    """Two engines on one file, as two processes would have; the second hardly waits."""
    path = tmp_path / "salesbot.db"
    shutil.copy(sqlite_template, path)
    first = make_engine(f"sqlite+aiosqlite:///{path}")
    second = make_engine(f"sqlite+aiosqlite:///{path}", busy_timeout_ms=20)
    yield SqlUnitOfWorkFactory(make_sessions(first)), SqlUnitOfWorkFactory(make_sessions(second))
    await first.dispose()
    await second.dispose()


async def test_a_writer_holds_the_lock_from_its_first_read_and_never_fails_half_way(
    two_processes: tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory],
) -> None:
    mine, theirs = two_processes
    async with mine(write=True) as uow:
        assert await uow.settings.get("k") is None  # a read, and the lock is taken already
        with pytest.raises(DatabaseBusyError):
            async with theirs(write=True) as other:
                await other.settings.put("k", "theirs")
        await uow.settings.put("k", "mine")  # no upgrade from reading to writing to fail
        await uow.commit()
    async with theirs() as uow:
        assert await uow.settings.get("k") == "mine"


async def test_reading_takes_no_lock_and_a_busy_write_is_tried_again(
    two_processes: tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory],
) -> None:
    mine, theirs = two_processes
    async with mine() as reader:  # an update showing a screen
        assert await reader.settings.get("k") is None
        await writes.write(theirs, lambda uow: uow.settings.put("k", "1"))
    pauses: list[float] = []

    async def release_on_first_pause(seconds: float) -> None:
        pauses.append(seconds)
        await holder.commit()

    async with mine(write=True) as holder:
        await holder.settings.put("k", "2")
        await writes.write(
            theirs, lambda uow: uow.settings.put("k", "3"), sleep=release_on_first_pause
        )
    assert len(pauses) == 1
    async with mine() as uow:
        assert await uow.settings.get("k") == "3"


async def test_a_write_busy_every_time_gives_up_after_its_tries(
    two_processes: tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory],
) -> None:
    mine, theirs = two_processes
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    async with mine(write=True) as holder:
        await holder.settings.put("k", "held")
        with pytest.raises(DatabaseBusyError):
            await writes.write(theirs, lambda uow: uow.settings.put("k", "x"), sleep=sleep)
    assert len(pauses) == writes.ATTEMPTS - 1
    assert all(0 < p <= writes.MAX_DELAY for p in pauses)
