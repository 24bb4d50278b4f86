"""SQLite's writers of one process queue for the write lock (storage.db.WriteQueue) instead of
polling it with the busy handler's growing sleeps: they take it in the order they came."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from storage.db import make_engine


async def test_writers_of_one_process_take_the_write_lock_in_the_order_they_came(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'queue.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))
        committed: list[int] = []
        holding = asyncio.Event()

        async def writer(n: int) -> None:
            async with engine.connect() as conn:
                await conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
                if n == 0:  # the first holds the lock a while
                    holding.set()
                    await asyncio.sleep(0.3)
                await conn.commit()
                committed.append(n)

        first = asyncio.create_task(writer(0))
        await holding.wait()
        rest = []
        for n in range(1, 6):  # they come one after another while the first holds it
            rest.append(asyncio.create_task(writer(n)))
            await asyncio.sleep(0.02)
        await asyncio.gather(first, *rest)
        assert committed == [0, 1, 2, 3, 4, 5]
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT n FROM t ORDER BY rowid"))).scalars().all()
        assert rows == [0, 1, 2, 3, 4, 5]
    finally:
        await engine.dispose()


async def test_a_read_waits_for_no_writer(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'queue.db'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))
        async with engine.connect() as writer:
            await writer.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock
            async with engine.connect() as reader:  # WAL: a read goes on meanwhile
                count = await asyncio.wait_for(
                    reader.scalar(text("SELECT count(*) FROM t")), timeout=2
                )
            assert count == 0
            await writer.commit()
    finally:
        await engine.dispose()
