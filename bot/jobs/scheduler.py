"""APScheduler drives the jobs; each finds due work in the database, so a restart or a
second process loses and doubles nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.errors import DatabaseBusyError
from bot.jobs.agenda import send_morning_agenda
from bot.jobs.context import JobContext
from bot.jobs.digest import send_morning_digest
from bot.jobs.escalations import send_overdue_escalations
from bot.jobs.reminders import send_due_reminders
from bot.jobs.stalled import send_stall_alerts
from bot.jobs.surveys import send_survey_follow_ups

log = logging.getLogger(__name__)
Job = Callable[[JobContext], Awaitable[int]]
# Told each run's job name and outcome ("ok", "busy", "failed", "stopped"): metrics.
RunCount = Callable[[str, str], None]

# (job, seconds between runs): short enough that a reminder is at most this late.
JOBS: tuple[tuple[Job, int], ...] = (
    (send_due_reminders, 20),
    (send_morning_agenda, 60),
    (send_morning_digest, 60),
    (send_stall_alerts, 600),
    # Beside the stall alerts: queued in the same tick, a head gets both in one message.
    (send_overdue_escalations, 600),
    (send_survey_follow_ups, 600),
)


def build_scheduler(ctx: JobContext, on_run: RunCount | None = None) -> AsyncIOScheduler:
    """Every job runs once at start (catch-up), then on its interval, one instance at a time."""
    scheduler = AsyncIOScheduler(timezone=ctx.defaults.tz)  # intervals only: any zone works
    for job, seconds in JOBS:
        scheduler.add_job(
            _logged(job, on_run or _uncounted),
            "interval",
            seconds=seconds,
            args=[ctx],
            id=job.__name__,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(ctx.defaults.tz),
        )
    return scheduler


def _uncounted(job: str, outcome: str) -> None:
    """No metrics: tests and tools that build a scheduler without them."""


def _logged(job: Job, on_run: RunCount = _uncounted) -> Job:
    async def run(ctx: JobContext) -> int:
        try:
            queued = await job(ctx)
        except asyncio.CancelledError:
            on_run(job.__name__, "stopped")
            # Shutdown cancels a job mid-run: its transaction rolls back and the next start
            # runs it again (every job is safe to repeat), so this is no error to report.
            log.info("job %s stopped by shutdown; it runs again on the next start", job.__name__)
            return 0
        except DatabaseBusyError:
            on_run(job.__name__, "busy")
            # Load, not a fault: its transaction rolled back whole, the next tick repeats it.
            log.warning(
                "job %s found the database busy; it runs again on its next tick", job.__name__
            )
            return 0
        except Exception:
            on_run(job.__name__, "failed")
            log.exception("job %s failed; it runs again on its next tick", job.__name__)
            return 0
        on_run(job.__name__, "ok")
        if queued:
            log.info("%s queued %d notices", job.__name__, queued)
        return queued

    run.__name__ = job.__name__
    return run
