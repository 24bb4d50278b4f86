"""Overdue tasks to the seller's head, once per due time; what one run finds goes out as one
list per head (and, queued in the same tick as the stall alerts, in the same message)."""

from __future__ import annotations

from bot.jobs.context import JobContext
from bot.services.escalations import overdue_to_escalate
from bot.services.notify import enqueue


async def send_overdue_escalations(ctx: JobContext) -> int:
    """Queue this run's overdue reports: to each head one list of their sellers' tasks.
    Each task's due time is claimed with the notices' commit, so a second run (or process,
    or a restart) never reports it again, and two at once split the tasks between them."""
    now = ctx.clock()
    async with ctx.uow_factory() as uow:
        company = await ctx.company(uow)
        notifier = ctx.notifier.for_company(company)
        run = now.strftime("%Y%m%dT%H%M%S")
        notices = [
            notifier.overdue_list(head, items, run, now)
            for head, items in (await overdue_to_escalate(uow, now, company)).values()
        ]
        queued = await enqueue(uow, notices, now, company.tz, company.quiet)
        await uow.commit()
    return queued
