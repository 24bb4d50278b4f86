"""Workers started together each migrate and seed on start: they take turns, and the later ones
find the schema at head and the installation seeded (PostgreSQL: advisory locks; SQLite: the
one write lock)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.domain.templates import DEFAULT_PIPELINES
from storage.db import alembic_config, make_engine

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
ROOT = Path(__file__).resolve().parents[2]


# One worker's start-up migration, in its own process, as soon as the test says go.
WORKER = """
import asyncio, json, sys, time
from pathlib import Path
from bot.services import writes
from bot.services.team import prepare_installation
from storage.db import make_engine, make_sessions, migrate
from storage.uow import SqlUnitOfWorkFactory

url, options, go = sys.argv[1], json.loads(sys.argv[2]), Path(sys.argv[3])
while not go.exists():
    time.sleep(0.005)

async def main():
    engine = make_engine(url, **options)
    try:
        await migrate(engine)
        uows = SqlUnitOfWorkFactory(make_sessions(engine))
        code = await writes.write(uows, lambda uow: prepare_installation(uow, (), "ru"))
        print("CLAIM", code)
    finally:
        await engine.dispose()

asyncio.run(main())
"""


async def test_three_workers_migrating_an_empty_database_at_once_all_start(
    empty_database: tuple[str, dict[str, object]], tmp_path: Path
) -> None:
    url, options = empty_database
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-c", WORKER, url, json.dumps(options), str(go)]
    workers = [
        await asyncio.create_subprocess_exec(
            *args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(3)
    ]
    await asyncio.sleep(2)  # time to import; they then start migrating within milliseconds
    go.touch()
    outputs = [(await asyncio.wait_for(w.communicate(), 90))[0].decode() for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0], "\n".join(outputs)

    engine = make_engine(url, **options)  # type: ignore[arg-type]
    try:
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
            pipelines = await conn.scalar(text("SELECT count(*) FROM pipeline"))
    finally:
        await engine.dispose()
    assert [v for (v,) in versions] == [HEAD]
    # Then each seeds a new installation: the default pipelines once, one claim code for all.
    assert pipelines == len(DEFAULT_PIPELINES)
    codes = {line for out in outputs for line in out.splitlines() if line.startswith("CLAIM")}
    assert len(codes) == 1, outputs
