"""The morning stand-up digest, once per working day, late rather than never that morning."""

from __future__ import annotations

from bot.domain.access import is_staff
from bot.domain.models import Role
from bot.jobs.context import JobContext
from bot.services.digest import digest_due, team_digest
from bot.services.notify import enqueue
from handlers.digest.notices import head_notices, seller_notices


async def send_morning_digest(ctx: JobContext) -> int:
    """On a working day past the digest time, the first run anywhere queues the digest.

    The claim and the notices commit together: if building or rendering fails, the claim
    rolls back and the next tick tries again; once committed, no process sends it again.
    """
    now = ctx.clock()
    async with ctx.uow_factory() as uow:
        company = await ctx.company(uow)
        day = digest_due(now, company)
        if day is None or not await uow.job_runs.claim("digest", day.isoformat(), now):
            return 0
        report = await team_digest(uow, now, company)
        heads = [u for u in await uow.users.managers() if u.is_reachable]
        sellers = [
            u
            for u in await uow.users.list_staff()
            if is_staff(u) and u.role is Role.SELLER and u.is_reachable
        ]
        notices = []
        if not report.digest.is_empty:  # no plan and no figures: nothing to stand up about
            notices = await head_notices(report, heads, day) + seller_notices(report, sellers, day)
        queued = await enqueue(uow, notices, now, company.tz, company.quiet)
        await uow.commit()
    return queued
