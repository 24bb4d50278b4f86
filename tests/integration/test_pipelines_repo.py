"""One pipeline repository, one freshness rule: reads see this unit of work's own edits, and a
pipeline read once is not read again until something is written through the repository."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.templates import NEW_CLIENTS
from storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


async def test_a_pipeline_read_twice_in_a_unit_of_work_is_queried_once(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    async with uow_factory() as uow:
        pipeline_id = await uow.pipelines.add_from_template(NEW_CLIENTS, "ru", 0)
        await uow.commit()
    async with uow_factory() as uow:
        first = await uow.pipelines.get(pipeline_id)
        seen: list[str] = []

        def count(*args: object) -> None:
            seen.append(str(args[2]))

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            again = await uow.pipelines.get(pipeline_id)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert again is first and seen == []


async def test_an_edit_through_the_repository_is_seen_by_the_next_read(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        pipeline_id = await uow.pipelines.add_from_template(NEW_CLIENTS, "ru", 0)
        await uow.commit()
    async with uow_factory() as uow:
        before = await uow.pipelines.get(pipeline_id)
        assert before is not None
        stage = before.stages[1]
        await uow.pipelines.set_stage(stage.id, "name", "Встреча назначена")
        await uow.pipelines.set_pipeline(pipeline_id, "name", "Новые клиенты 2")
        await uow.pipelines.set_stage(before.stages[0].id, "is_archived", True)
        after = await uow.pipelines.get(pipeline_id)
        listed = await uow.pipelines.list_active()
        stages = await uow.pipelines.stages([before.stages[0].id])
    assert after is not None and after.name == "Новые клиенты 2"
    assert after.stages[0].name == "Встреча назначена"  # the archived first stage is gone
    assert [p.name for p in listed] == ["Новые клиенты 2"]
    assert stages[before.stages[0].id].is_archived  # history still names an archived stage
