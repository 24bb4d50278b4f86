"""The stand-up in a team's group chat: a head turns it on or off there, the morning job
reads where it is on, and a press on its buttons is answered to the presser with their rights.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.domain.access import is_manager, is_staff
from bot.domain.audit import AuditEntry
from bot.domain.ids import TelegramId, UserId
from bot.domain.models import User
from bot.domain.standup import StandupForHeadsError, StandupGroup, StandupMembersOnlyError
from bot.domain.tasks import Task
from bot.services.digest import OVERDUE_SHOWN
from bot.services.ports import UnitOfWork
from bot.services.scope import owner_scope_of

TITLE_MAX = 255


def require_head(actor: User | None) -> User:
    """Only an active head or admin of the company switches a group's stand-up."""
    if actor is None or not is_manager(actor):
        raise StandupForHeadsError()
    return actor


async def switch(
    uow: UnitOfWork, actor: User | None, chat_id: TelegramId, title: str, on: bool, now: datetime
) -> StandupGroup:
    """Turn the group's stand-up on or off; the group is remembered with its title, and a
    change of the switch lands in the audit log."""
    head = require_head(actor)
    group = StandupGroup(chat_id, (title or str(chat_id))[:TITLE_MAX], on, head.id)
    was = await uow.standup_groups.get(chat_id)
    await uow.standup_groups.save(group, head.id, now)
    if was is None or was.is_on != on:
        before = None if was is None else _SHOWN[was.is_on]
        await uow.audit.add(AuditEntry(head.id, now, "standup", group.title, before, _SHOWN[on]))
    await uow.commit()
    return group


_SHOWN = {True: "✅", False: "⏸"}  # the switch in the audit log, in any language


async def status(uow: UnitOfWork, actor: User | None, chat_id: TelegramId) -> StandupGroup | None:
    """The group's switch as it is, for a head asking in the group."""
    require_head(actor)
    return await uow.standup_groups.get(chat_id)


async def group_gone(uow: UnitOfWork, chat_id: TelegramId, now: datetime) -> None:
    """The bot can post in the group no more (removed from it, or the group is gone): its
    stand-up is off until a head turns it on again; audited, by nobody. The caller commits."""
    was = await uow.standup_groups.get(chat_id)
    if was is None or not was.is_on:
        return
    await uow.standup_groups.save(replace(was, is_on=False), None, now)
    await uow.audit.add(AuditEntry(None, now, "standup", was.title, _SHOWN[True], _SHOWN[False]))


async def groups_on(uow: UnitOfWork) -> list[StandupGroup]:
    """The groups the morning job sends the stand-up to (the job's view; no access check)."""
    return await uow.standup_groups.list_on()


def require_member(actor: User | None) -> User:
    """A press on the group's buttons: only the team's people get anything back."""
    if actor is None or not is_staff(actor):
        raise StandupMembersOnlyError()
    return actor


async def overdue_for(
    uow: UnitOfWork, actor: User, now: datetime
) -> tuple[list[Task], int, dict[UserId, str]]:
    """Overdue tasks the presser may see: a seller their own, a head their teams', an
    admin everyone's; the longest overdue first, with their assignees' names."""
    scope = await owner_scope_of(uow, require_member(actor))
    tasks, total = await uow.tasks.overdue(now, OVERDUE_SHOWN, scope)
    names = await uow.users.names(list({t.assignee_id for t in tasks}))
    return tasks, total, names
