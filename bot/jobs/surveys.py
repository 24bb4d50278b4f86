"""Follow-up NPS surveys straight to clients in Telegram: after a won deal, and quarterly."""

from __future__ import annotations

from bot.jobs.context import JobContext
from bot.services.surveys import send_follow_ups


async def send_survey_follow_ups(ctx: JobContext) -> int:
    """Once an hour, in one process: the survey rows themselves are not deduplicated."""
    now = ctx.clock()
    async with ctx.uow_factory() as uow:
        if not await uow.job_runs.claim("surveys", now.strftime("%Y-%m-%dT%H"), now):
            return 0
        company = await ctx.company(uow)
        return await send_follow_ups(uow, now, ctx.notifier.for_company(company))
