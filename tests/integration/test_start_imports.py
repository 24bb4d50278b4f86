"""What the start loads: everything up to the first getUpdates (settings, the composition
root, the bot, the dispatcher with every router, the scheduler, a database already at head)
leaves the heavy libraries that only a picture, a file, a migration or Redis need out of the
process; they load with the first chart, export, migration or REDIS_URL (issue 15, item 4).
The first public-holiday lookup loads the company's country alone, not all of `holidays`'."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import (
    alembic_config,
    at_head,
    head_revisions,
    make_engine,
    migrate,
    run_migrations,
)
from tests.e2e.chat import ROOT, child_env
from tests.integration.conftest import upgrade_to

# Loaded by the first chart (matplotlib, and numpy, PIL, fontTools under it), the first
# export (openpyxl), a migration (alembic, mako) or REDIS_URL (redis): never by the start.
LAZY = ("matplotlib", "numpy", "PIL", "fontTools", "openpyxl", "alembic", "mako", "redis")

START = """
import asyncio, json, sys
from pathlib import Path

from bot.__main__ import load_settings
from bot.app import build_bot, build_dispatcher, build_shared, job_context, prepare_database
from bot.jobs.scheduler import build_scheduler
from bot.services.clock import utc_now

async def main():
    settings = load_settings()
    engine, uows = await prepare_database(settings)
    try:
        build_bot(settings)
        shared = build_shared(settings, utc_now)
        build_dispatcher(uows, storage=shared.storage, isolation=shared.isolation,
                         flood=shared.flood, defaults=settings.company_defaults())
        build_scheduler(job_context(settings, uows, utc_now))
    finally:
        await engine.dispose()

asyncio.run(main())
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""

LOOKUP = """
import json, sys
from bot.domain.public_days import public_days, supported

assert "KZ" in supported() and public_days("RU", 2027)[1]  # 20 February 2027 worked
print(json.dumps(sorted(name for name in sys.modules if name.startswith("holidays.countries"))))
"""


def loaded_by_start(database: Path) -> set[str]:
    """The top-level packages in a process that has done what the start does."""
    env = child_env(BOT_TOKEN="42:start-imports", DATABASE_URL=f"sqlite:///{database}")
    done = subprocess.run([sys.executable, "-c", START], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_the_start_leaves_charts_exports_migrations_and_redis_unloaded(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    loaded_by_start(database)  # the first start creates the database: alembic runs then
    loaded = loaded_by_start(database)  # a restart: the database is at head
    assert {"aiogram", "sqlalchemy", "apscheduler"} <= loaded  # it did start
    assert loaded.isdisjoint(LAZY), sorted(loaded & set(LAZY))


def test_a_public_holiday_lookup_loads_the_companys_country_alone() -> None:
    # `holidays.countries`' own __init__ imports every country's module: 8 MB for good.
    done = subprocess.run([sys.executable, "-c", LOOKUP], cwd=ROOT, env=child_env(),
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == ["holidays.countries.russia"]


def test_the_heads_read_from_the_scripts_are_alembics() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert head_revisions() == set(script.get_heads())


async def test_at_head_only_when_the_version_table_says_the_head(engine: AsyncEngine) -> None:
    assert await at_head(engine)  # the fixture's database is migrated
    before = sorted(head_revisions())[0]
    previous = ScriptDirectory.from_config(alembic_config()).get_revision(before).down_revision
    assert isinstance(previous, str)
    await run_migrations(engine, lambda c: _downgrade(c, previous))
    assert not await at_head(engine)
    await migrate(engine)  # alembic takes it the rest of the way
    assert await at_head(engine)


async def test_a_new_database_is_not_at_head(empty_database: tuple[str, dict[str, Any]]) -> None:
    url, options = empty_database
    engine = make_engine(url, **options)
    try:
        assert not await at_head(engine)
        await run_migrations(engine, upgrade_to("0001"))
        assert not await at_head(engine)
        await migrate(engine)
        assert await at_head(engine)
    finally:
        await engine.dispose()


def _downgrade(connection: Connection, revision: str) -> None:
    command.downgrade(alembic_config(connection), revision)
