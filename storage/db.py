"""Engine, sessions and migrations: the database is created and brought up to date on start.

SQLite has one write lock for the whole file, and a transaction that has read and then wants
to write cannot wait for it: SQLite answers "database is locked" at once, whatever the busy
timeout, because waiting could deadlock. So on SQLite no transaction here ever upgrades:

* A **writer** (a unit of work opened with ``write=True``: jobs, the sender) begins with
  ``BEGIN IMMEDIATE``, which takes the write lock up front, waiting for it under
  ``busy_timeout``. Its reads and writes then see one consistent database, and nothing can make
  it fail half-way. It must be short: from its first statement to its commit it holds the
  lock, so nothing slow (Telegram, charts) may happen inside it.
* **Everything else** (the unit of work of an update) lets the driver begin: reads run outside
  a transaction, and the first INSERT/UPDATE/DELETE starts ``BEGIN IMMEDIATE`` (not plain
  ``BEGIN``), so the transaction that writes, too, takes the lock up front and waits for it.
  Read-only updates (most screens) never take the lock, and one that writes holds it only
  from its first write to the service's commit, never across the answer to Telegram.

Both modes share one pool: the ``begin`` event switches a connection between them (Python's
sqlite3 does the begin itself unless ``isolation_level`` is None). If the lock is not free
within the busy timeout, the unit of work raises ``DatabaseBusyError``, and the caller runs
the whole unit again (``bot.services.writes``, and the update middleware). PostgreSQL has no
such lock; ``write=True`` changes nothing there.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, inspect, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util.concurrency import await_, in_greenlet

if TYPE_CHECKING:  # alembic loads only when there is something to migrate (`migrate`)
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 5000
# The execution option that marks a writer's connections (see the module's docstring).
WRITER = "salesbot_sqlite_writer"
_MODE = "salesbot_begin"  # in a pooled connection's info: who begins its transactions
_DRIVER, _OURS = "driver", "ours"
# The driver's begin, before the first write: IMMEDIATE rather than the default DEFERRED.
_DRIVER_BEGIN = "IMMEDIATE"
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
# PostgreSQL advisory lock key held while migrating, so that workers started together migrate
# one after another (the later ones find the schema at head and do nothing).
MIGRATION_LOCK_KEY = 0x5A1E5B07


def _on_connect(busy_timeout_ms: int) -> Any:
    def connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets readers go on while one writer commits; the timeout waits out a busy writer.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        dbapi_connection.isolation_level = _DRIVER_BEGIN
        record.info[_MODE] = _DRIVER

    return connect


def _on_begin(conn: Connection) -> None:
    """A writer's transaction takes the write lock with its first statement; any other is
    left to the driver, which begins IMMEDIATE before the first write."""
    pooled = conn.connection
    writer = bool(conn.get_execution_options().get(WRITER))
    mode = _OURS if writer else _DRIVER
    if pooled.info.get(_MODE) != mode:
        pooled.dbapi_connection.isolation_level = None if writer else _DRIVER_BEGIN  # type: ignore[union-attr]
        pooled.info[_MODE] = mode
    if writer:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


# Statements that take SQLite's write lock (the driver's BEGIN IMMEDIATE comes before them).
_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN", "CREATE", "DROP", "ALTER"})


class WriteQueue:
    """This process's writers wait for SQLite's write lock in a queue, not by polling it.

    SQLite's busy handler sleeps and retries (1, 2, 5, 10, … 100 ms) while another connection
    holds the write lock, so with many presses at once a writer slept long after the lock was
    free: 50 sellers pressing at once waited up to 630 ms in their UPDATE (p95 232 ms) for
    transactions a few milliseconds long. Here a transaction about to write first takes the
    engine's asyncio lock (in the event loop; the next in line gets it the moment the commit
    or rollback before it is done), then the write lock, which is free by then. Another
    process still meets the busy timeout as before; so does a writer that waits here longer
    than it: "database is locked", kept nothing, handled again by the caller as ever."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self._held: dict[int, asyncio.Lock] = {}  # by the driver connection holding it

    def install(self, engine: AsyncEngine) -> None:
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._before)
        event.listen(sync.pool, "checkin", self._pool_event)
        event.listen(sync.pool, "invalidate", self._pool_event)
        dialect = sync.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection: Any) -> None:
            try:
                commit(dbapi_connection)
            finally:
                self._release(dbapi_connection)

        def do_rollback(dbapi_connection: Any) -> None:
            try:
                rollback(dbapi_connection)
            finally:
                self._release(dbapi_connection)

        dialect.do_commit = do_commit  # type: ignore[method-assign]
        dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if loop not in self._locks:
            self._locks = {k: v for k, v in self._locks.items() if not k.is_closed()}
            self._locks[loop] = asyncio.Lock()
        return self._locks[loop]

    def _before(self, conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if id(dbapi_connection) in self._held or not in_greenlet():
            return
        if statement.lstrip()[:8].split(None, 1)[0].upper() not in _WRITES:
            return
        lock = self._lock()
        try:
            await_(asyncio.wait_for(lock.acquire(), self._timeout))
        except TimeoutError:
            raise conn.dialect.loaded_dbapi.OperationalError("database is locked") from None
        self._held[id(dbapi_connection)] = lock

    def _release(self, dbapi_connection: Any) -> None:
        lock = self._held.pop(id(dbapi_connection), None)
        if lock is not None:
            lock.release()

    def _pool_event(self, dbapi_connection: Any, *_: Any) -> None:
        self._release(dbapi_connection)  # a connection back or dropped holds nothing


def is_busy(error: BaseException) -> bool:
    """SQLite's "database is locked": the write lock stayed taken past the busy timeout."""
    if not isinstance(error, DBAPIError):
        return False
    code = getattr(error.orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "database is locked" in str(error.orig)


def make_engine(url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        # A connection back in the pool is not rolled back again: the session (or connection)
        # that used it has already ended its transaction, and on aiosqlite each rollback is a
        # trip to the driver's thread and back (1 of a stage change's 12).
        kwargs.setdefault("pool_reset_on_return", None)
        if make_url(url).get_driver_name() == "aiosqlite":
            # One trip to the driver's thread per statement, not four (storage/sqlite_driver.py).
            from storage.sqlite_driver import dbapi

            kwargs.setdefault("module", dbapi())
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _on_connect(busy_timeout_ms))
        event.listen(engine.sync_engine, "begin", _on_begin)
        WriteQueue(busy_timeout_ms / 1000).install(engine)
    return engine


def writer_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, its transactions taking SQLite's write lock up front."""
    return engine.execution_options(**{WRITER: True})


def make_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


# `revision = "0014"` and `down_revision = "0013"` (or None, or a tuple of a merge) at the top
# level of a migration script, as `alembic revision` writes them.
_REVISION = re.compile(r"^revision(?:\s*:[^=\n]*)?\s*=\s*(.+)$", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?:\s*:[^=\n]*)?\s*=\s*(.+)$", re.M)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


@cache
def head_revisions() -> frozenset[str]:
    """The heads of the migration scripts, read from their text: what alembic's
    `ScriptDirectory.get_heads()` says (a test holds them equal) for a millisecond of reading
    instead of loading alembic and every script."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            raise ValueError(f"{script.name}: no top-level revision and down_revision")
        revisions.update(_QUOTED.findall(revision.group(1)))
        parents.update(_QUOTED.findall(down.group(1)))
    return frozenset(revisions - parents)


def _stamped(connection: Connection) -> set[str] | None:
    """The revisions in alembic's version table; None when there is no table yet."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


async def _take_migration_lock(conn: AsyncConnection) -> None:
    """Wait for any other process migrating this database: PostgreSQL's advisory lock, held
    to the end of the transaction. SQLite needs none: the writer's ``BEGIN IMMEDIATE`` already
    holds its one write lock."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


async def run_migrations(engine: AsyncEngine, work: Callable[[Connection], None]) -> None:
    """Run alembic's `work` in one transaction that no other migration runs beside."""
    async with writer_engine(engine).begin() as conn:
        await _take_migration_lock(conn)
        await conn.run_sync(work)


async def at_head(engine: AsyncEngine) -> bool:
    """Whether the database is stamped with exactly the scripts' heads: one query."""
    async with engine.connect() as conn:
        return await conn.run_sync(_stamped) == set(head_revisions())


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration (alembic), one process at a time.

    A database already at head, as on every start but the first after an upgrade, is told
    by one look at the version table, and alembic is not even loaded. Otherwise alembic
    upgrades under the migration lock (and finds nothing to do if another process has just
    done it)."""
    if await at_head(engine):
        return
    await run_migrations(engine, _upgrade)
