"""Backup and restore beside the real bot process (`python -m bot`) on its SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from sandbox.server import Sandbox
from tests.e2e.chat import child_env, start_process, stop_process
from tests.e2e.conftest import TOKEN
from tests.e2e.test_faults import replies, until

ADMIN = 100001


async def operator(command: str, file: Path, env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """`python -m bot <command> <file>` as the operator types it: its status and its words."""
    process = await start_process(["-m", "bot", command, str(file)], cwd, env)
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, output.decode()


def people(database: Path) -> list[int]:
    with closing(sqlite3.connect(database)) as conn:
        return [tg for (tg,) in conn.execute('SELECT tg_id FROM "user" ORDER BY tg_id')]


@pytest.mark.e2e
async def test_backup_while_the_bot_runs_and_restore_once_it_stopped(
    box: Sandbox, tmp_path: Path
) -> None:
    database = tmp_path / "data" / "bot.db"
    env = child_env(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=box.url,
        DATABASE_URL=f"sqlite:///{database}",
        BOT_ADMINS=str(ADMIN),
    )
    bot = await start_process(["-m", "bot"], tmp_path, env)
    try:
        await until(lambda: box.world.polls > 0 or bot.returncode is not None, 60)
        assert bot.returncode is None

        status, said = await operator("backup", tmp_path / "monday.db", env, tmp_path)
        assert status == 0, said
        assert said.startswith(f"Backed up {database} to {tmp_path / 'monday.db'} (")

        # The admin's first message adds them to the team: a change after the backup.
        await box.world.user_sends(ADMIN, "/help", first_name="Анна", language_code="ru")
        await until(lambda: len(replies(box)) == 1)
        assert people(database) == [ADMIN]

        status, said = await operator("restore", tmp_path / "monday.db", env, tmp_path)
        assert status == 2
        assert said == (
            f"Restore refused: the bot is running on {database} "
            f"(it holds {database}.lock): stop it first.\n"
        )
        assert people(database) == [ADMIN]
    finally:
        output = await stop_process(bot)
    assert bot.returncode == 0, output

    status, said = await operator("restore", tmp_path / "monday.db", env, tmp_path)
    assert status == 0, said
    assert people(database) == []  # as on Monday
    [kept] = database.parent.glob("bot.db.before-restore-*")
    assert people(kept) == [ADMIN]
    assert said.endswith(f"the database it replaced is now {kept}.\n")
