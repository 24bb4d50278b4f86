"""The morning agenda of each seller, once per working day, late rather than never."""

from __future__ import annotations

from bot.domain.access import is_staff
from bot.domain.models import Role
from bot.domain.tasks import agenda_due
from bot.jobs.context import JobContext
from bot.services.agenda import agenda_for
from bot.services.calendar import team_calendar
from bot.services.notify import enqueue

AGENDA_ROLES = (Role.SELLER, Role.HEAD)


async def send_morning_agenda(ctx: JobContext) -> int:
    """On a working day past the agenda time, the first run anywhere queues every agenda."""
    now = ctx.clock()
    async with ctx.uow_factory() as uow:
        company = await ctx.company(uow)
        work = await team_calendar(uow, company, now.astimezone(company.tz).date())
        day = agenda_due(now, company.tz, company.schedule, work)
        if day is None or not await uow.job_runs.claim("agenda", day.isoformat(), now):
            return 0
        notifier = ctx.notifier.for_company(company)
        notices = []
        for user in await uow.users.list_staff():
            if not is_staff(user) or user.role not in AGENDA_ROLES:
                continue
            agenda = await agenda_for(uow, user, now, company.tz)
            if not agenda.is_empty:
                notices.append(notifier.agenda(agenda, day, now))
        queued = await enqueue(uow, notices, now, company.tz, company.quiet)
        await uow.commit()
    return queued
