"""Who may see and change what."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from bot.domain.ids import DepartmentId, UserId
from bot.domain.models import MANAGER_ROLES, STAFF_ROLES, Deal, Department, Role, User


def is_staff(user: User) -> bool:
    return user.is_active and user.role in STAFF_ROLES


def is_manager(user: User) -> bool:
    """Heads and admins: they see and act on every deal and run the team."""
    return user.is_active and user.role in MANAGER_ROLES


def can_touch_deal(user: User, deal: Deal) -> bool:
    """A seller only their own deals; heads and admins every deal."""
    if not is_staff(user):
        return False
    return is_manager(user) or deal.owner_id == user.id


def can_invite(user: User, role: Role) -> bool:
    """Heads and admins invite sellers and heads; clients come by survey links, admins by config."""
    return is_manager(user) and role in (Role.SELLER, Role.HEAD)


def led_departments(actor: User, departments: Iterable[Department]) -> frozenset[DepartmentId]:
    """The teams a person heads."""
    return frozenset(d.id for d in departments if d.head_id == actor.id)


def manages(actor: User, member: User, departments: Iterable[Department]) -> bool:
    """Whom a manager runs: an admin everyone; a head the members of the teams they lead
    (and themselves); a head who leads no team everyone, as in a company without teams."""
    if not is_manager(actor):
        return False
    if actor.role is Role.ADMIN:
        return True
    led = led_departments(actor, departments)
    if not led:
        return True
    return member.id == actor.id or member.department_id in led


def owner_scope(
    actor: User, led: Mapping[DepartmentId, Collection[UserId]]
) -> frozenset[UserId] | None:
    """Whose deals and tasks the actor sees, given the members of the teams they lead:
    None for everyone (an admin; a head who leads no team); a head who leads teams their
    members and themselves (as `manages`); a seller only themselves."""
    if not is_manager(actor):
        return frozenset({actor.id})
    if actor.role is Role.ADMIN or not led:
        return None
    return frozenset({actor.id, *(m for members in led.values() for m in members)})


def scope_among(
    actor: User, departments: Iterable[Department], people: Iterable[User]
) -> frozenset[UserId] | None:
    """`owner_scope` from the teams and the people already at hand (no query per person)."""
    led = led_departments(actor, departments)
    members = [p for p in people if p.department_id in led]
    return owner_scope(
        actor, {d: frozenset(p.id for p in members if p.department_id == d) for d in led}
    )


def in_scope(scope: frozenset[UserId] | None, person: UserId) -> bool:
    return scope is None or person in scope


def can_move_between(
    actor: User,
    source: DepartmentId | None,
    target: DepartmentId | None,
    led: frozenset[DepartmentId],
) -> bool:
    """An admin moves a seller anywhere; a head only from one team they lead to another."""
    if not is_manager(actor):
        return False
    if actor.role is Role.ADMIN:
        return True
    return source in led and target in led
