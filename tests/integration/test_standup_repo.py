"""The group stand-up's switch in storage, and migration 0017 on a database with data,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.ids import TelegramId
from bot.domain.models import Role
from bot.domain.plans import Plan
from bot.domain.standup import StandupGroup
from storage.db import alembic_config, migrate, run_migrations
from storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
GROUP, OTHER = TelegramId(-1001234567890), TelegramId(-42)


async def test_a_groups_switch_is_kept_with_who_turned_it(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        head = await uow.users.add(TelegramId(101), "Anna", None, Role.HEAD, "ru", NOW)
        assert await uow.standup_groups.get(GROUP) is None
        await uow.standup_groups.save(StandupGroup(GROUP, "Отдел продаж", True), head.id, NOW)
        await uow.standup_groups.save(StandupGroup(OTHER, "Флудилка", False), head.id, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.standup_groups.get(GROUP) == StandupGroup(
            GROUP, "Отдел продаж", True, head.id
        )
        assert await uow.standup_groups.list_on() == [
            StandupGroup(GROUP, "Отдел продаж", True, head.id)
        ]
        await uow.standup_groups.save(StandupGroup(GROUP, "Продажи", False), head.id, NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.standup_groups.list_on() == []
        group = await uow.standup_groups.get(GROUP)
        assert group is not None and group.title == "Продажи" and not group.is_on


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


async def test_migration_0017_keeps_the_data_it_finds(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    before = script.get_revision("0017").down_revision
    assert isinstance(before, str)

    def down(conn: Connection) -> None:
        command.downgrade(alembic_config(conn), before)

    await run_migrations(engine, down)
    async with engine.connect() as conn:
        assert "standup_group" not in await conn.run_sync(_tables)
    async with uow_factory() as uow:  # a team at work before the upgrade
        seller = await uow.users.add(TelegramId(202), "Sergey", None, Role.SELLER, "ru", NOW)
        await uow.plans.save([Plan(seller.id, date(2026, 11, 1), 100_000_00)], None, NOW)
        await uow.commit()
    await migrate(engine)
    async with uow_factory() as uow:
        assert [u.name for u in await uow.users.list_staff()] == ["Sergey"]
        [plan] = await uow.plans.for_month(date(2026, 11, 1))
        assert plan.revenue == 100_000_00
        assert await uow.standup_groups.list_on() == []
        await uow.standup_groups.save(StandupGroup(GROUP, "Отдел", True), seller.id, NOW)
        await uow.commit()
    async with engine.connect() as conn:
        version = await conn.scalar(text("select version_num from alembic_version"))
    assert version == script.get_current_head()
