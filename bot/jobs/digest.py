"""The morning stand-up digest, once per working day, late rather than never that morning."""

from __future__ import annotations

from bot.domain.access import is_staff, scope_among
from bot.domain.ids import UserId
from bot.domain.models import Role, User
from bot.jobs.context import JobContext
from bot.services.calendar import team_calendar
from bot.services.digest import digest_due, for_scope, team_digest
from bot.services.notify import enqueue


async def send_morning_digest(ctx: JobContext) -> int:
    """On a working day past the digest time, the first run anywhere queues the digest.

    A head who leads teams gets their teams' digest; an admin, and a head who leads none,
    the whole company's. Pictures are rendered once per distinct scope and language.

    The claim and the notices commit together: if building or rendering fails, the claim
    rolls back and the next tick tries again; once committed, no process sends it again.
    """
    now = ctx.clock()
    async with ctx.uow_factory() as uow:
        company = await ctx.company(uow)
        work = await team_calendar(uow, company, now.astimezone(company.tz).date())
        day = digest_due(now, company, work)
        if day is None or not await uow.job_runs.claim("digest", day.isoformat(), now):
            return 0
        notifier = ctx.notifier.for_company(company)
        report = await team_digest(uow, now, company)
        staff = await uow.users.list_staff()
        departments = await uow.departments.list()
        heads = [u for u in await uow.users.managers() if u.is_reachable]
        sellers = [u for u in staff if is_staff(u) and u.role is Role.SELLER and u.is_reachable]
        by_scope: dict[frozenset[UserId] | None, list[User]] = {}
        for head in heads:
            by_scope.setdefault(scope_among(head, departments, staff), []).append(head)
        notices = []
        for scope, readers in by_scope.items():
            scoped = for_scope(report, scope)
            if not scoped.digest.is_empty:  # no plan and no figures: nothing to stand up about
                notices += await notifier.digest(scoped, readers, day)
        if not report.digest.is_empty:
            notices += notifier.digest_lines(report, sellers, day)
        queued = await enqueue(uow, notices, now, company.tz, company.quiet)
        await uow.commit()
    return queued
