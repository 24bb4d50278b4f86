"""Scheduled jobs: a shutdown that cancels a job mid-run is not reported as a failure."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.domain.errors import DatabaseBusyError
from bot.jobs.context import JobContext
from bot.jobs.scheduler import _logged


async def test_a_job_cancelled_by_shutdown_ends_quietly(caplog: pytest.LogCaptureFixture) -> None:
    started = asyncio.Event()

    async def slow_job(ctx: JobContext) -> int:
        started.set()
        await asyncio.sleep(3600)
        return 1

    task: asyncio.Task[int] = asyncio.create_task(_logged(slow_job)(None))  # type: ignore[arg-type]
    await started.wait()
    with caplog.at_level(logging.INFO):
        task.cancel()
        assert await task == 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "stopped by shutdown" in caplog.text


async def test_a_failing_job_is_logged_and_runs_again(caplog: pytest.LogCaptureFixture) -> None:
    async def broken_job(ctx: JobContext) -> int:
        raise RuntimeError("boom")

    assert await _logged(broken_job)(None) == 0  # type: ignore[arg-type]
    assert "broken_job failed" in caplog.text


async def test_a_job_that_finds_the_database_busy_says_so_without_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def busy_job(ctx: object) -> int:
        raise DatabaseBusyError("database is locked")

    assert await _logged(busy_job)(None) == 0  # type: ignore[arg-type]
    [record] = caplog.records
    assert record.levelname == "WARNING" and record.exc_info is None
    assert "busy" in record.getMessage() and "locked" not in caplog.text
