"""The admin's calendar days and the overdue claims in storage, on SQLite and PostgreSQL; and
migration 0016 on a database that already holds tasks."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import TelegramId, UserId
from bot.domain.models import Role
from bot.domain.tasks import TaskChange, TaskStatus
from storage.db import make_engine, make_sessions, migrate, run_migrations
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.integration.conftest import upgrade_to

NOW = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)


async def _seller(uow: SqlUnitOfWork) -> UserId:
    return (await uow.users.add(TelegramId(2), "Sergey", None, Role.SELLER, "ru", NOW)).id


async def test_admin_days_are_kept_changed_and_given_back(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        admin = await _seller(uow)
        await uow.calendar.put(date(2026, 12, 31), True, admin, NOW)
        await uow.calendar.put(date(2026, 12, 30), False, admin, NOW)
        await uow.calendar.put(date(2027, 1, 1), False, admin, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.calendar.days(date(2026, 12, 1), date(2027, 1, 1)) == {
            date(2026, 12, 30): False,
            date(2026, 12, 31): True,
        }
        await uow.calendar.put(date(2026, 12, 31), False, admin, NOW)
        assert await uow.calendar.delete(date(2026, 12, 30))
        assert not await uow.calendar.delete(date(2026, 12, 29))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.calendar.days(date(2026, 1, 1), date(2028, 1, 1)) == {
            date(2026, 12, 31): False,
            date(2027, 1, 1): False,
        }


async def test_an_overdue_due_time_is_claimed_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    due = NOW - timedelta(days=2)
    async with uow_factory() as uow:
        seller = await _seller(uow)
        task = await uow.tasks.add(
            deal_id=None, assignee_id=seller, created_by=seller, text="Звонок", due_at=due, now=due
        )
        await uow.tasks.add(
            deal_id=None, assignee_id=seller, created_by=seller, text="Позже", due_at=NOW, now=due
        )
        await uow.commit()
    async with uow_factory() as uow:
        assert [t.id for t in await uow.escalations.owed(NOW - timedelta(hours=1), 10)] == [task.id]
        assert await uow.escalations.claim(task.id, due)
        assert not await uow.escalations.claim(task.id, due)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.escalations.owed(NOW, 10) == []
        assert not await uow.escalations.claim(task.id, due)
        # A task moved to another due time is owed a report again, for that time.
        later = NOW - timedelta(hours=30)
        change = TaskChange(task.id, task.version, TaskStatus.OPEN, later, None)
        assert await uow.tasks.apply(change)
        [again] = await uow.escalations.owed(NOW, 10)
        assert again.id == task.id and again.due_at == later
        assert not await uow.escalations.claim(task.id, due)  # the old time: stale
        assert await uow.escalations.claim(task.id, later)


async def test_two_processes_at_once_claim_a_task_once(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: two at once cannot both be in a write")
    due = NOW - timedelta(days=2)
    async with uow_factory() as uow:
        seller = await _seller(uow)
        task = await uow.tasks.add(
            deal_id=None, assignee_id=seller, created_by=seller, text="Звонок", due_at=due, now=due
        )
        await uow.commit()
    async with uow_factory() as first, uow_factory() as second:
        assert [t.id for t in await first.escalations.owed(NOW, 10)] == [task.id]
        assert [t.id for t in await second.escalations.owed(NOW, 10)] == [task.id]
        assert await first.escalations.claim(task.id, due)
        waiting = asyncio.create_task(second.escalations.claim(task.id, due))
        await asyncio.sleep(0.2)
        assert not waiting.done()  # the row lock holds it until the first commits
        await first.commit()
        assert not await waiting


async def test_migration_0016_keeps_the_tasks_there_are(
    empty_database: tuple[str, dict[str, Any]],
) -> None:
    url, options = empty_database
    engine = make_engine(url, **options)
    try:
        await run_migrations(engine, upgrade_to("0013"))
        due = datetime(2026, 11, 20, 9, tzinfo=UTC)
        # As each dialect keeps a time (SQLite: naive UTC text, as UtcDateTime writes it).
        at: object = due if engine.dialect.name == "postgresql" else "2026-11-20 09:00:00.000000"
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    'INSERT INTO "user" (id, tg_id, name, role, language, is_active, '
                    "is_reachable, created_at) VALUES (1, 2, 'Sergey', 'seller', 'ru', "
                    "true, true, :at)"
                ),
                {"at": at},
            )
            await conn.execute(
                text(
                    "INSERT INTO task (id, assignee_id, created_by, text, due_at, status, "
                    "created_at, version) VALUES (7, 1, 1, 'Позвонить', :due, 'open', :due, 1)"
                ),
                {"due": at},
            )
        await migrate(engine)
        uows = SqlUnitOfWorkFactory(make_sessions(engine))
        async with uows() as uow:
            [task] = await uow.escalations.owed(NOW, 10)
            assert (task.id, task.text, task.due_at) == (7, "Позвонить", due)
            assert await uow.escalations.claim(task.id, due)
            await uow.calendar.put(date(2026, 12, 31), False, UserId(1), NOW)
            await uow.commit()
        async with uows() as uow:
            assert await uow.escalations.owed(NOW, 10) == []
            assert await uow.calendar.days(date(2026, 12, 1), date(2027, 1, 1)) == {
                date(2026, 12, 31): False
            }
    finally:
        await engine.dispose()
