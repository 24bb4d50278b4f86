"""A scheduled job's run claimed in storage, on SQLite and PostgreSQL: each (job, period) once,
whichever process asks first, so a job scheduled in every worker runs once a period."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


async def test_a_period_of_a_job_is_claimed_once_and_the_next_period_again(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        assert await uow.job_runs.claim("send_morning_digest", "2026-11-24", NOW)
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.job_runs.claim("send_morning_digest", "2026-11-24", NOW)
        assert await uow.job_runs.claim("send_morning_agenda", "2026-11-24", NOW)
        assert await uow.job_runs.claim("send_morning_digest", "2026-11-25", NOW)
        await uow.commit()


async def test_two_workers_claiming_one_period_at_once_get_it_once(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async def claim() -> bool:
        async with uow_factory() as uow:
            won = await uow.job_runs.claim("send_due_reminders", "2026-11-24T06:00", NOW)
            await uow.commit()
            return won

    assert sorted(await asyncio.gather(claim(), claim())) == [False, True]
