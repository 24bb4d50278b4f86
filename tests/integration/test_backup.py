"""`python -m bot backup` and `restore` on SQLite, as an operator runs them beside the bot."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from bot.app import DatabaseUnreachableError, run
from bot.cli import run_backup, run_restore
from bot.config import Settings
from storage.backup import database_lock
from storage.db import alembic_config, make_engine, make_sessions, run_migrations
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.conftest import upgrade_to

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


@pytest.fixture
def database(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "data" / "salesbot.db"
    path.parent.mkdir()
    shutil.copy(sqlite_template, path)
    return path


def settings_for(database: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{database}", bot_token="42:test-token")


def keys(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT key FROM setting WHERE key LIKE 'k%' ORDER BY key").fetchall()
    return [key for (key,) in rows]


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def revision(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def wal_files(folder: Path) -> list[Path]:
    return list(folder.glob("*.db-wal"))


def put_rows(path: Path, *names: str) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executemany("INSERT INTO setting (key, value) VALUES (?, 'x')", [(n,) for n in names])


async def test_a_backup_while_the_bot_writes_holds_every_commit_made_before_it(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The app's writers commit one row after another while three backups are taken: each
    copy is whole, and holds exactly the rows of one moment at or after its start."""
    put_rows(database, *(f"pad{i:05d}" for i in range(20_000)))  # ~1 MB: the copy takes a while
    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    uows = SqlUnitOfWorkFactory(make_sessions(engine))
    committed: list[str] = []
    stop = asyncio.Event()
    progress = asyncio.Condition()

    async def write() -> None:
        while not stop.is_set():
            async with uows(write=True) as uow:
                await uow.settings.put(f"k{len(committed):06d}", "v" * 200)
                await uow.commit()
            committed.append(f"k{len(committed):06d}")
            async with progress:
                progress.notify_all()

    writing = asyncio.create_task(write())
    try:
        copies: list[tuple[Path, list[str], list[str]]] = []
        for n in range(3):
            async with progress:
                await progress.wait_for(lambda: len(committed) >= 50 * (len(copies) + 1))
            before = list(committed)
            target = tmp_path / f"backup-{n}.db"
            code = await asyncio.to_thread(run_backup, settings_for(database), target)
            assert code == 0, capsys.readouterr().err
            copies.append((target, before, list(committed)))
    finally:
        stop.set()
        await writing
        await engine.dispose()

    assert len(committed) > len(copies[0][1])  # the bot went on writing through the backups
    for target, before, after in copies:
        assert integrity(target) == "ok"
        assert revision(target) == HEAD
        got = keys(target)
        assert got == committed[: len(got)]  # one moment: a prefix, nothing torn or missing
        assert len(before) <= len(got) <= len(after)
    assert wal_files(tmp_path) == []  # each copy is one self-contained file
    assert capsys.readouterr().out.count("Backed up") == 3


async def test_a_backup_has_what_is_committed_in_the_wal_and_not_an_open_transaction(
    database: Path, tmp_path: Path
) -> None:
    """The hazard of a plain copy: commits that live only in the -wal file so far."""
    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    uows = SqlUnitOfWorkFactory(make_sessions(engine))
    for n in range(5):
        async with uows(write=True) as uow:
            await uow.settings.put(f"k{n}", "committed")
            await uow.commit()
    main_file_alone = tmp_path / "copied.db"
    shutil.copy(database, main_file_alone)
    assert keys(main_file_alone) == []  # so far the five rows are only in salesbot.db-wal

    with closing(sqlite3.connect(database, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO setting (key, value) VALUES ('k-open', 'not committed')")
        assert run_backup(settings_for(database), tmp_path / "backup.db") == 0
        writer.execute("ROLLBACK")
    await engine.dispose()

    assert keys(tmp_path / "backup.db") == ["k0", "k1", "k2", "k3", "k4"]


def test_backup_refuses_to_overwrite_a_file(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "backup.db"
    target.write_text("last week's backup")
    assert run_backup(settings_for(database), target) == 2
    assert (
        capsys.readouterr().err == f"Backup refused: {target} exists: give the backup a new name.\n"
    )
    assert target.read_text() == "last week's backup"


@pytest.mark.parametrize("tool", ["backup", "restore"])
def test_on_postgresql_backup_and_restore_point_at_pg_dump_and_pg_restore(
    tool: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url="postgresql://sales:s3cret@db.internal:5432/salesbot")
    action = run_backup if tool == "backup" else run_restore
    assert action(settings, tmp_path / "salesbot.dump") == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "s3cret" not in err
    if tool == "backup":
        assert "use pg_dump instead, e.g. pg_dump --format=custom" in err
    else:
        assert "use pg_restore instead, e.g. pg_restore --clean" in err
    assert "'postgresql://sales@db.internal:5432/salesbot'" in err
    assert not (tmp_path / "salesbot.dump").exists()


def test_restore_puts_the_backup_back_and_keeps_the_replaced_database(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    put_rows(database, "k-before")
    assert run_backup(settings_for(database), tmp_path / "backup.db") == 0
    put_rows(database, "k-after")  # a day's work after the backup, then a mistake

    assert run_restore(settings_for(database), tmp_path / "backup.db") == 0

    assert keys(database) == ["k-before"]
    assert integrity(database) == "ok" and revision(database) == HEAD
    [kept] = database.parent.glob("salesbot.db.before-restore-*")
    assert keys(kept) == ["k-after", "k-before"]
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == (
        f"Restored {database} from {tmp_path / 'backup.db'} (schema {HEAD}); "
        f"the database it replaced is now {kept}."
    )


def test_restore_is_refused_while_a_bot_holds_the_database(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_backup(settings_for(database), tmp_path / "backup.db") == 0
    put_rows(database, "k-live")
    with database_lock(database):  # what `run()` holds while the bot runs
        assert run_restore(settings_for(database), tmp_path / "backup.db") == 2
    assert capsys.readouterr().err == (
        f"Restore refused: the bot is running on {database} "
        f"(it holds {database}.lock): stop it first.\n"
    )
    assert keys(database) == ["k-live"]
    assert list(database.parent.glob("*before-restore*")) == []


async def test_the_bot_does_not_start_while_a_restore_runs(database: Path) -> None:
    with database_lock(database, exclusive=True), pytest.raises(DatabaseUnreachableError) as error:
        await run(settings_for(database))
    assert str(error.value) == (
        f"a restore is putting {database} back (it holds {database}.lock): try again after it"
    )


async def test_an_older_backup_is_migrated_to_the_newest_schema(
    tmp_path: Path, database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "from-last-year.db"
    engine = make_engine(f"sqlite+aiosqlite:///{old}")
    await run_migrations(engine, upgrade_to("0006"))
    await engine.dispose()
    put_rows(old, "k-old")

    assert await asyncio.to_thread(run_restore, settings_for(database), old) == 0

    assert revision(database) == HEAD and keys(database) == ["k-old"]
    assert f"(schema 0006, migrated to {HEAD})" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"name;amount\nAcme;100\n", "is not a SQLite database"),
        (None, "is a SQLite database, but not salesbot's"),
        ("9999", "comes from a newer salesbot (schema 9999): upgrade first"),
    ],
)
def test_restore_refuses_a_file_that_is_not_a_backup_of_this_bot(
    content: bytes | str | None,
    says: str,
    database: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = tmp_path / "backup.db"
    if isinstance(content, bytes):
        file.write_bytes(content)
    else:
        with closing(sqlite3.connect(file)) as conn, conn:
            conn.execute("CREATE TABLE notes (text)")
            if content is not None:
                conn.execute("CREATE TABLE alembic_version (version_num)")
                conn.execute("INSERT INTO alembic_version VALUES (?)", (content,))
    put_rows(database, "k-live")

    assert run_restore(settings_for(database), file) == 2

    err = capsys.readouterr().err
    assert (
        err.startswith(f"Restore refused: {file} ") and says in err and len(err.splitlines()) == 1
    )
    assert keys(database) == ["k-live"]


def test_restore_after_a_crash_keeps_what_only_the_wal_held(database: Path, tmp_path: Path) -> None:
    """A bot killed mid-run leaves commits in salesbot.db-wal: they go with the kept file,
    and that -wal is never laid over the restored one."""
    assert run_backup(settings_for(database), tmp_path / "backup.db") == 0
    crash = (
        "import os, sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1])\n"
        "conn.execute('PRAGMA journal_mode=WAL')\n"
        "conn.execute('PRAGMA wal_autocheckpoint=0')\n"
        "with conn:\n"
        "    conn.execute(\"INSERT INTO setting (key, value) VALUES ('k-in-wal', 'x')\")\n"
        "os._exit(9)\n"
    )
    subprocess.run([sys.executable, "-c", crash, str(database)], check=False, timeout=60)
    assert Path(f"{database}-wal").stat().st_size > 0

    assert run_restore(settings_for(database), tmp_path / "backup.db") == 0

    assert keys(database) == [] and integrity(database) == "ok"
    [kept] = database.parent.glob("salesbot.db.before-restore-*")
    assert keys(kept) == ["k-in-wal"]
