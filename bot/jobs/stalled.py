"""Stalled deals: the owner is told once per stage entry; still stalled after the limit
again, the heads are told too. What one run finds goes out as one list per person."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from bot.domain.access import is_staff
from bot.domain.ids import UserId
from bot.jobs.context import JobContext
from bot.services.agenda import Stall, stalled_deals
from bot.services.notify import enqueue
from bot.services.ports import UnitOfWork


async def send_stall_alerts(ctx: JobContext) -> int:
    """Queue this run's stalls: to each seller one list of their own, to each head or admin one
    list of the escalations. Each deal is claimed once per stage entry and level anywhere, so
    a second run (or process) adds nothing, and two at once split the deals between them."""
    now = ctx.clock()
    async with ctx.uow_factory() as uow:
        company = await ctx.company(uow)
        notifier = ctx.notifier.for_company(company)
        stalls = await stalled_deals(uow, now)
        owners = await uow.users.many([s.deal.owner_id for s in stalls])
        heads = [h for h in await uow.users.managers() if is_staff(h)]
        own: dict[UserId, list[Stall]] = defaultdict(list)
        escalated: list[Stall] = []
        for stall in stalls:
            owner = owners.get(stall.deal.owner_id)
            if owner is not None and is_staff(owner) and await _claim(uow, stall, "owner", now):
                own[owner.id].append(stall)
            if stall.escalate and await _claim(uow, stall, "head", now):
                escalated.append(stall)
        run, names = now.strftime("%Y%m%dT%H%M%S"), {u.id: u.name for u in owners.values()}
        notices = [
            notifier.stall_list(owners[uid], group, names, run, for_head=False)
            for uid, group in own.items()
        ]
        for head in heads:
            theirs = [s for s in escalated if s.deal.owner_id != head.id]  # not their own deal
            if theirs:
                notices.append(notifier.stall_list(head, theirs, names, run, for_head=True))
        queued = await enqueue(uow, notices, now, company.tz, company.quiet)
        await uow.commit()
    return queued


async def _claim(uow: UnitOfWork, stall: Stall, level: str, now: datetime) -> bool:
    """The first run anywhere to see this stall at this level (owner, head) tells about it."""
    entered = int(stall.deal.stage_entered_at.timestamp())
    return await uow.job_runs.claim(f"stall:{level}", f"{stall.deal.id}:{entered}", now)
