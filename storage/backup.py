"""SQLite backups: a consistent copy of the live database, and putting one back.

A plain `cp` of a database in WAL mode is unsafe: committed pages may still sit in the `-wal`
file, and a copy taken during a checkpoint is torn. SQLite's online backup API copies the pages
as one read transaction sees them, so the copy is consistent while the bot goes on writing.

Putting a file back under a running bot would leave it writing to the replaced file (its
connections keep it open), so every bot process holds a shared lock on a file beside the
database (`<db>.lock`, `flock`) for as long as it runs, and `restore` takes it exclusively:
when that fails, a bot is running. The kernel drops the lock with the process, however it
ends, so a crashed bot never leaves it behind.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from datetime import datetime
from pathlib import Path

from storage.db import BUSY_TIMEOUT_MS, alembic_config

_SIDE_FILES = ("-wal", "-shm")


class BackupError(Exception):
    """A backup or a restore that cannot be done; the message says why, in one line."""


class DatabaseInUseError(BackupError):
    """The lock beside the database is held the other way (a bot runs, or a restore does)."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextmanager
def database_lock(database: Path | None, *, exclusive: bool = False) -> Iterator[None]:
    """Hold the lock beside a SQLite database: shared for a bot (many may run on one file),
    exclusive for a restore. Never waits: raises `DatabaseInUseError` when it is taken."""
    if database is None:  # PostgreSQL or in memory: nothing on disk to put back
        yield
        return
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUseError(
                f"the bot is running on {database} (it holds {path}): stop it first"
                if exclusive
                else f"a restore is putting {database} back (it holds {path}): try again after it"
            ) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor drops the lock


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)


def _revision(conn: sqlite3.Connection, name: Path) -> str:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        if "no such table" in str(error):
            raise BackupError(f"{name} is a SQLite database, but not salesbot's") from None
        raise BackupError(f"{name} is not a SQLite database ({error})") from None
    if row is None:
        raise BackupError(f"{name} is salesbot's, but was never migrated")
    return str(row[0])


def _copy(source: Path, target: Path) -> str:
    """Copy with the online backup API into `target` (a new, single file), check the copy,
    and return its schema revision."""
    with closing(_connect(source)) as src, closing(_connect(target)) as dst:
        revision = _revision(src, source)  # before copying: only an app database is copied
        src.backup(dst)  # all pages in one step: one read transaction, one moment
        dst.execute("PRAGMA journal_mode=DELETE")  # the copy is one file, no -wal beside it
        problem = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if problem != "ok":
            raise BackupError(f"the copy of {source} fails its integrity check: {problem}")
    with open(target, "rb") as written:
        os.fsync(written.fileno())
    return revision


def _copy_into_place(source: Path, target: Path) -> str:
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        revision = _copy(source, partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return revision


def backup(database: Path, target: Path) -> str:
    """A consistent copy of the database in `target` while the bot may be writing; the
    copy's schema revision."""
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    if target.exists():
        raise BackupError(f"{target} exists: give the backup a new name")
    if target.is_dir() or not target.parent.is_dir():
        raise BackupError(f"cannot write {target}: its folder does not exist")
    return _copy_into_place(database, target)


def check_backup(file: Path) -> str:
    """The schema revision of a backup of salesbot's database, or `BackupError` saying
    what else the file is."""
    if not file.is_file():
        raise BackupError(f"there is no file {file}")
    try:
        with closing(sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            revision = _revision(conn, file)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{file} is not a SQLite database ({error})") from None
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(f"{file} comes from a newer salesbot (schema {revision}): upgrade first")
    return revision


def _set_aside(database: Path, now: datetime) -> Path:
    """Move the database (and whatever of it is still in its -wal) out of the way."""
    kept = database.with_name(f"{database.name}.before-restore-{now:%Y%m%d-%H%M%S}")
    if kept.exists():
        raise BackupError(f"{kept} exists: wait a second and run restore again")
    # With no bot running, a checkpoint folds the -wal into the file; a damaged database
    # (a reason to restore) may refuse, and then its side files go along with it.
    with suppress(sqlite3.DatabaseError), closing(_connect(database)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    os.replace(database, kept)
    for suffix in _SIDE_FILES:
        side = database.with_name(database.name + suffix)
        if side.exists():
            os.replace(side, kept.with_name(kept.name + suffix))
    return kept


def restore(file: Path, database: Path, now: datetime) -> Path | None:
    """Put the backup `file` in the database's place; the replaced database's new name.

    The caller holds `database_lock(database, exclusive=True)` and migrates afterwards."""
    check_backup(file)
    kept = _set_aside(database, now) if database.exists() else None
    database.parent.mkdir(parents=True, exist_ok=True)
    _copy_into_place(file, database)
    return kept
