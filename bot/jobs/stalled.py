"""Stalled deals: the owner is told once per stage entry; still stalled after the limit
again, the heads are told too."""

from __future__ import annotations

from bot.domain.access import is_staff
from bot.jobs.context import JobContext
from bot.services.agenda import stalled_deals
from bot.services.notify import enqueue
from handlers.alerts import stall_notice


async def send_stall_alerts(ctx: JobContext) -> int:
    """Queue stall alerts; their keys make a second run (or process) add nothing."""
    now = ctx.clock()
    async with ctx.uow_factory() as uow:
        company = await ctx.company(uow)
        stalls = await stalled_deals(uow, now)
        owners = await uow.users.many([s.deal.owner_id for s in stalls])
        heads = [h for h in await uow.users.managers() if is_staff(h)]
        notices = []
        for stall in stalls:
            owner = owners.get(stall.deal.owner_id)
            if owner is not None and is_staff(owner):
                notices.append(stall_notice(stall, owner, owner.name, for_head=False))
            if stall.escalate:
                name = owner.name if owner else "—"
                notices += [
                    stall_notice(stall, head, name, for_head=True)
                    for head in heads
                    if owner is None or head.id != owner.id
                ]
        queued = await enqueue(uow, notices, now, company.tz, company.quiet)
        await uow.commit()
    return queued
