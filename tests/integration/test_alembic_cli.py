"""The alembic command line works from the repository, on the database the bot would use."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from storage.db import alembic_config

ROOT = Path(__file__).resolve().parents[2]
HEAD = str(ScriptDirectory.from_config(alembic_config()).get_current_head())


def alembic(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_alembic_upgrades_the_database_that_database_url_names(tmp_path: Path) -> None:
    database = tmp_path / "salesbot.db"

    before = alembic("current", database=database)
    assert before.returncode == 0, before.stderr
    assert HEAD not in before.stdout  # a new file: no revision yet

    upgrade = alembic("upgrade", "head", database=database)
    assert upgrade.returncode == 0, upgrade.stderr
    assert f"-> {HEAD}" in upgrade.stderr  # alembic logs each step it runs

    after = alembic("current", database=database)
    assert after.returncode == 0, after.stderr
    assert after.stdout.split() == [HEAD, "(head)"]

    check = alembic("check", database=database)  # the models need no new migration
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_migrations_have_one_head(tmp_path: Path) -> None:
    heads = alembic("heads", database=tmp_path / "unused.db")
    assert heads.returncode == 0, heads.stderr
    assert heads.stdout.splitlines() == [f"{HEAD} (head)"]
