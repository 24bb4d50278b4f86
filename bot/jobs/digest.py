"""The morning stand-up digest, once per working day, late rather than never that morning."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.domain.access import is_manager, is_staff, scope_among
from bot.domain.ids import UserId
from bot.domain.models import Department, Role, User
from bot.domain.notices import Notice
from bot.jobs.context import JobContext, JobNotifier
from bot.services.calendar import team_calendar
from bot.services.digest import DigestReport, digest_due, for_scope, team_digest
from bot.services.notify import enqueue
from bot.services.ports import UnitOfWork
from bot.services.standup import groups_on


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
        managers = await uow.users.managers()
        heads = [u for u in managers if u.is_reachable]
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
        notices += await _groups(
            uow, notifier, report, (managers, staff, departments), day, company.language
        )
        queued = await enqueue(uow, notices, now, company.tz, company.quiet)
        await uow.commit()
    return queued


async def _groups(
    uow: UnitOfWork,
    notifier: JobNotifier,
    report: DigestReport,
    people: tuple[Sequence[User], Sequence[User], Sequence[Department]],
    day: date,
    language: str,
) -> list[Notice]:
    """Each group where a head or an admin turned the stand-up on gets their teams' digest,
    every seller's line in it; a group whose head is a head no more gets nothing."""
    managers, staff, departments = people
    notices: list[Notice] = []
    by_id = {m.id: m for m in managers if is_manager(m)}
    for group in await groups_on(uow):
        head = by_id.get(group.by) if group.by is not None else None
        if head is not None:
            scoped = for_scope(report, scope_among(head, departments, staff))
            notices += await notifier.group_digest(scoped, [group], day, language)
    return notices
