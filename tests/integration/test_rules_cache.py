"""The team's rules cached in each process (`storage.rules`): two unit-of-work factories on one
database stand for two bot processes; each has its own cache and its own clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.company import CompanySettings
from bot.domain.ids import TelegramId
from bot.domain.models import Pipeline, User
from bot.services.company import current
from bot.services.team import Person, identify, prepare_installation
from storage.db import make_sessions
from storage.rules import CHECK_EVERY, RulesCache
from storage.uow import SqlUnitOfWorkFactory

ADMIN = 1000
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
DEFAULTS = CompanySettings()


class Process:
    """A bot process: its own cache of the rules, and a clock the test moves."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.seconds = 0.0
        self.uow = SqlUnitOfWorkFactory(
            make_sessions(engine), RulesCache(clock=lambda: self.seconds)
        )

    def wait(self, seconds: float) -> None:
        self.seconds += seconds

    async def pipeline(self) -> Pipeline:
        async with self.uow() as uow:
            return (await uow.pipelines.list_active())[0]

    async def admin(self) -> User | None:
        async with self.uow() as uow:
            return await uow.users.by_tg(TelegramId(ADMIN))

    async def settings(self) -> CompanySettings:
        async with self.uow() as uow:
            return await current(uow, DEFAULTS)


def counting(engine: AsyncEngine) -> Callable[[], int]:
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    return lambda: len(statements)


async def installed(engine: AsyncEngine) -> tuple[Process, Process]:
    first, second = Process(engine), Process(engine)
    async with first.uow() as uow:
        await prepare_installation(uow, [ADMIN], "ru")
        await identify(uow, Person(TelegramId(ADMIN), "Anna", None, "ru"), [ADMIN], NOW)
    return first, second


async def test_a_stage_renamed_in_one_process_is_seen_by_the_other_within_a_second(
    engine: AsyncEngine,
) -> None:
    editor, other = await installed(engine)
    before = await other.pipeline()
    stage = before.stages[0]
    async with editor.uow() as uow:
        await uow.pipelines.set_stage(stage.id, "name", "Звонок")
        assert (await uow.pipelines.get(before.id)).stages[0].name == "Звонок"  # type: ignore[union-attr]
        await uow.commit()
    assert (await editor.pipeline()).stages[0].name == "Звонок"  # its own change: at once
    other.wait(CHECK_EVERY / 2)
    assert (await other.pipeline()).stages[0].name == stage.name  # cached, for under a second
    other.wait(CHECK_EVERY / 2)
    assert (await other.pipeline()).stages[0].name == "Звонок"


async def test_a_member_switched_off_and_a_setting_changed_elsewhere_reach_every_process(
    engine: AsyncEngine,
) -> None:
    admin_side, other = await installed(engine)
    assert (await other.admin()) is not None
    assert (await other.settings()).language == DEFAULTS.language
    async with admin_side.uow() as uow:
        user = await uow.users.by_tg(TelegramId(ADMIN))
        assert user is not None
        await uow.users.set_language(user.id, "en")
        await uow.settings.put("company.language", "en")
        await uow.commit()
    other.wait(CHECK_EVERY)
    assert (await other.admin()).language == "en"  # type: ignore[union-attr]
    assert (await other.settings()).language == "en"


async def test_rules_cost_no_statement_while_fresh_and_one_check_a_second(
    engine: AsyncEngine,
) -> None:
    process, _ = await installed(engine)
    await process.pipeline(), await process.admin(), await process.settings()  # fill it
    seen = counting(engine)
    for _ in range(3):
        await process.pipeline(), await process.admin(), await process.settings()
    assert seen() == 0
    process.wait(CHECK_EVERY)
    async with process.uow() as uow:  # one unit of work: one check for all it reads
        await uow.pipelines.list_active()
        await uow.users.by_tg(TelegramId(ADMIN))
        await current(uow, DEFAULTS)
    assert seen() == 1


async def test_a_change_rolled_back_changes_no_version_and_a_read_after_a_write_sees_it(
    engine: AsyncEngine,
) -> None:
    process, other = await installed(engine)
    pipeline = await other.pipeline()
    async with process.uow() as uow:
        await uow.pipelines.set_pipeline(pipeline.id, "name", "Опт")
        assert (await uow.pipelines.get(pipeline.id)).name == "Опт"  # type: ignore[union-attr]
        await uow.rollback()
    other.wait(CHECK_EVERY)
    assert (await other.pipeline()).name == pipeline.name
    assert (await process.pipeline()).name == pipeline.name
