"""Whose deals and tasks a person reaches: a head who leads teams only their members'."""

from __future__ import annotations

from typing import Protocol

from bot.domain.access import can_touch_deal, in_scope, is_manager, owner_scope
from bot.domain.ids import DepartmentId, UserId
from bot.domain.models import Deal, Role, User


class LedTeams(Protocol):
    async def led_members(self, head_id: UserId) -> dict[DepartmentId, frozenset[UserId]]: ...


class ScopeStore(Protocol):
    """What finding a person's scope reads: the teams a head leads."""

    @property
    def departments(self) -> LedTeams: ...


def _may_lead_teams(actor: User) -> bool:
    return actor.role is Role.HEAD and is_manager(actor)


async def owner_scope_of(uow: ScopeStore, actor: User) -> frozenset[UserId] | None:
    """The owners whose work the actor sees; None for everyone. One query for a head
    (the teams they lead), none for an admin or a seller."""
    if _may_lead_teams(actor):
        return owner_scope(actor, await uow.departments.led_members(actor.id))
    return owner_scope(actor, {})


async def may_touch_deal(uow: ScopeStore, actor: User, deal: Deal) -> bool:
    """`can_touch_deal`, narrowed for a head who leads teams to their members' deals."""
    if not can_touch_deal(actor, deal):
        return False
    if deal.owner_id == actor.id or not _may_lead_teams(actor):
        return True
    return in_scope(await owner_scope_of(uow, actor), deal.owner_id)
