"""Reminders at each task's due time; missed ones (the bot was down) are summarised."""

from __future__ import annotations

from collections import defaultdict

from bot.domain.access import is_staff
from bot.domain.ids import UserId
from bot.domain.notices import Notice
from bot.domain.tasks import Task
from bot.jobs.context import JobContext
from bot.services.notify import enqueue

BATCH = 500


async def send_due_reminders(ctx: JobContext) -> int:
    """Queue the reminders that are due; safe to run twice and in two processes at once."""
    now = ctx.clock()
    async with ctx.uow_factory() as uow:
        company = await ctx.company(uow)
        due = await uow.tasks.due_reminders(now, BATCH)
        notifier = ctx.notifier.for_company(company)
        users = await uow.users.many([task.assignee_id for task in due])
        fresh: list[Notice] = []
        missed: dict[UserId, list[Task]] = defaultdict(list)
        for task in due:
            assert task.remind_at is not None
            # Only the process that clears the reminder queues it.
            if not await uow.tasks.clear_reminder(task.id, task.remind_at):
                continue
            user = users.get(task.assignee_id)
            if user is None or not is_staff(user):
                continue  # a deactivated seller is not reminded; their tasks go with their deals
            if task.remind_at < now - ctx.grace:
                missed[user.id].append(task)
            else:
                fresh.append(notifier.reminder(task, user, now))
        fresh += [notifier.missed(users[uid], tasks, now) for uid, tasks in missed.items()]
        queued = await enqueue(uow, fresh, now, company.tz, company.quiet)
        await uow.commit()
    return queued
