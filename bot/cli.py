"""The operator's commands beside running the bot: `migrate`, `backup FILE`, `restore FILE`.

Each prints one line and returns the process's exit status: 0 done, 2 refused (the line says
why). Like `bot/app.py`, this is a composition root: it may reach into `storage`."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import URL, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from storage.backup import BackupError, backup, check_backup, database_lock, restore
from storage.db import make_engine, migrate

PG_DUMP = "pg_dump --format=custom --file={file} '{url}'"
PG_RESTORE = "pg_restore --clean --if-exists --no-owner --dbname='{url}' {file}"


def _refuse(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def _libpq_url(settings: Settings) -> str:
    """DATABASE_URL as pg_dump takes it: no driver name, no password (PGPASSWORD gives it)."""
    url = make_url(settings.database_url)
    bare = URL.create("postgresql", url.username, None, url.host, url.port, url.database)
    return bare.render_as_string(hide_password=False)


def _sqlite_only(settings: Settings, tool: str, file: Path) -> Path | int:
    database = settings.sqlite_path()
    if database is not None:
        return database
    if settings.database_url.startswith("postgresql"):
        line = (PG_DUMP if tool == "pg_dump" else PG_RESTORE).format(
            file=file, url=_libpq_url(settings)
        )
        return _refuse(f"DATABASE_URL is PostgreSQL: use {tool} instead, e.g. {line}")
    return _refuse("DATABASE_URL names no database file (an in-memory database)")


async def _revision(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        return str(await conn.scalar(text("SELECT version_num FROM alembic_version")))


def run_migrate(settings: Settings) -> int:
    """Migrate to the newest schema, seed a new installation, and exit (one deploy step)."""
    from bot.app import DatabaseUnreachableError, prepare_database

    async def go() -> str:
        engine, _ = await prepare_database(settings)
        try:
            return await _revision(engine)
        finally:
            await engine.dispose()

    try:
        with database_lock(settings.sqlite_path()):
            revision = asyncio.run(go())
    except (DatabaseUnreachableError, BackupError) as error:
        return _refuse(f"Cannot open the database at DATABASE_URL ({error}).")
    where = settings.sqlite_path() or make_url(settings.database_url).render_as_string(
        hide_password=True
    )
    print(f"The database {where} is at schema {revision}, the newest.")
    return 0


def run_backup(settings: Settings, file: Path) -> int:
    """Copy the SQLite database to FILE, consistent, while the bot may be running."""
    database = _sqlite_only(settings, "pg_dump", file)
    if isinstance(database, int):
        return database
    try:
        with database_lock(database):  # a restore must not swap the file mid-copy
            revision = backup(database, file)
    except BackupError as error:
        return _refuse(f"Backup refused: {error}.")
    size = file.stat().st_size / 1024
    print(f"Backed up {database} to {file} ({size:,.0f} KiB, schema {revision}).")
    return 0


def run_restore(settings: Settings, file: Path) -> int:
    """Put a backup in the database's place (the bot stopped), keep the old file, migrate."""
    database = _sqlite_only(settings, "pg_restore", file)
    if isinstance(database, int):
        return database
    try:
        revision = check_backup(file)
        with database_lock(database, exclusive=True):
            kept = restore(file, database, datetime.now(UTC))
            newest = asyncio.run(_migrated(settings))
    except BackupError as error:
        return _refuse(f"Restore refused: {error}.")
    was = f"; the database it replaced is now {kept}" if kept else ""
    moved = f", migrated to {newest}" if newest != revision else ""
    print(f"Restored {database} from {file} (schema {revision}{moved}){was}.")
    return 0


async def _migrated(settings: Settings) -> str:
    """Bring a restored (maybe older) database to the newest schema; that schema."""
    engine = make_engine(settings.database_url)
    try:
        await migrate(engine)
        return await _revision(engine)
    finally:
        await engine.dispose()
