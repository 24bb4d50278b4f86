"""Teams (departments): an admin shapes them, heads run the members of their own teams."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.access import can_move_between, is_manager, led_departments, manages
from bot.domain.audit import AuditEntry
from bot.domain.errors import (
    AccessDeniedError,
    DepartmentNameTakenError,
    DepartmentNotEmptyError,
    DepartmentNotFoundError,
    MemberInvalidError,
)
from bot.domain.ids import (
    DepartmentId,
    UserId,
)
from bot.domain.models import (
    Department,
    Role,
    User,
)
from bot.domain.text import DEPARTMENT_NAME_MAX, clean_text
from bot.services.ports import AuditRepo, UserRepo


class DepartmentStore(Protocol):
    """The teams room's unit of work: one transaction, committed by the service."""

    @property
    def departments(self) -> DepartmentRepo: ...
    @property
    def audit(self) -> AuditRepo: ...
    @property
    def users(self) -> UserRepo: ...

    async def commit(self) -> None: ...


class DepartmentRepo(Protocol):
    async def list(self) -> list[Department]: ...
    async def get(self, department_id: DepartmentId) -> Department | None: ...
    async def add(self, name: str, now: datetime) -> Department: ...
    async def rename(self, department_id: DepartmentId, name: str) -> None: ...
    async def set_head(self, department_id: DepartmentId, head_id: UserId | None) -> None: ...
    async def drop_head(self, head_id: UserId) -> int:
        """The teams this person headed are left without a head; how many."""
        ...

    async def delete(self, department_id: DepartmentId) -> None: ...
    async def member_count(self, department_id: DepartmentId) -> int:
        """Active members of the team."""
        ...

    async def move_member(self, user_id: UserId, department_id: DepartmentId | None) -> None: ...
    async def led_members(self, head_id: UserId) -> dict[DepartmentId, frozenset[UserId]]:
        """The teams this person heads, each with its members (active or not)."""
        ...


@dataclass(frozen=True, slots=True)
class Roster:
    """The members a manager runs, and the teams to group them by."""

    members: list[User]
    departments: list[Department]


@dataclass(frozen=True, slots=True)
class TeamInfo:
    """A team as the admin's editor shows it: its head's name and how many are active in it."""

    department: Department
    head: str | None
    members: int


def _require_admin(actor: User) -> None:
    if actor.role is not Role.ADMIN or not actor.is_active:
        raise AccessDeniedError()


async def roster(uow: DepartmentStore, actor: User) -> Roster:
    """Members in the actor's scope with the teams they sit in; a seller is refused."""
    if not is_manager(actor):
        raise AccessDeniedError()
    departments = await uow.departments.list()
    members = [m for m in await uow.users.list_staff() if manages(actor, m, departments)]
    led = led_departments(actor, departments)
    shown = [d for d in departments if not led or actor.role is Role.ADMIN or d.id in led]
    return Roster(members, shown)


async def managed_member(uow: DepartmentStore, actor: User, member_id: UserId) -> User:
    """A staff member the actor runs; anyone else is "no such member" (a forged button)."""
    if not is_manager(actor):
        raise AccessDeniedError()
    member = await uow.users.get(member_id)
    if member is None or member.role is Role.CLIENT:
        raise MemberInvalidError()
    if not manages(actor, member, await uow.departments.list()):
        raise MemberInvalidError()
    return member


async def teams_overview(uow: DepartmentStore, actor: User) -> list[TeamInfo]:
    """Every team with its head and head count, for the admin's editor."""
    _require_admin(actor)
    staff = await uow.users.list_staff()
    names = {u.id: u.name for u in staff}
    return [
        TeamInfo(
            d,
            names.get(d.head_id) if d.head_id else None,
            sum(1 for u in staff if u.department_id == d.id and u.is_active),
        )
        for d in await uow.departments.list()
    ]


async def team_info(uow: DepartmentStore, actor: User, department_id: DepartmentId) -> TeamInfo:
    found = [i for i in await teams_overview(uow, actor) if i.department.id == department_id]
    if not found:
        raise DepartmentNotFoundError()
    return found[0]


async def head_choices(uow: DepartmentStore, actor: User) -> list[User]:
    """The active heads of sales an admin may put at the head of a team."""
    _require_admin(actor)
    return [u for u in await uow.users.list_staff() if u.role is Role.HEAD and u.is_active]


async def get_department(
    uow: DepartmentStore, actor: User, department_id: DepartmentId
) -> Department:
    _require_admin(actor)
    department = await uow.departments.get(department_id)
    if department is None:
        raise DepartmentNotFoundError()
    return department


async def _free_name(uow: DepartmentStore, name: str, keep: DepartmentId | None = None) -> str:
    name = clean_text(name, DEPARTMENT_NAME_MAX)
    taken = {d.name.casefold() for d in await uow.departments.list() if d.id != keep}
    if name.casefold() in taken:
        raise DepartmentNameTakenError(name=name)
    return name


async def create_department(
    uow: DepartmentStore, actor: User, name: str, now: datetime
) -> Department:
    """An admin adds a team by its name; empty, overlong and taken names are refused."""
    _require_admin(actor)
    name = await _free_name(uow, name)
    department = await uow.departments.add(name, now)
    await uow.audit.add(AuditEntry(actor.id, now, "team_create", name, None, name))
    await uow.commit()
    return department


async def rename_department(
    uow: DepartmentStore, actor: User, department_id: DepartmentId, name: str, now: datetime
) -> Department:
    """An admin renames a team; the members stay."""
    department = await get_department(uow, actor, department_id)
    name = await _free_name(uow, name, keep=department.id)
    if name != department.name:
        await uow.departments.rename(department.id, name)
        await uow.audit.add(AuditEntry(actor.id, now, "team_rename", name, department.name, name))
        await uow.commit()
    return await uow.departments.get(department.id) or department


async def set_head(
    uow: DepartmentStore, actor: User, department_id: DepartmentId, head_id: UserId, now: datetime
) -> Department:
    """An admin puts an active head of sales at the head of a team."""
    department = await get_department(uow, actor, department_id)
    head = await uow.users.get(head_id)
    if head is None or head.role is not Role.HEAD or not head.is_active:
        raise MemberInvalidError()
    if department.head_id != head.id:
        before = await uow.users.get(department.head_id) if department.head_id else None
        await uow.departments.set_head(department.id, head.id)
        await uow.audit.add(
            AuditEntry(
                actor.id,
                now,
                "team_head",
                department.name,
                before.name if before else None,
                head.name[:200],
            )
        )
        await uow.commit()
    return await uow.departments.get(department.id) or department


async def delete_department(
    uow: DepartmentStore, actor: User, department_id: DepartmentId, now: datetime
) -> Department:
    """An admin deletes a team that has no active members left."""
    department = await get_department(uow, actor, department_id)
    if await uow.departments.member_count(department.id):
        raise DepartmentNotEmptyError(name=department.name)
    await uow.departments.delete(department.id)
    await uow.audit.add(
        AuditEntry(actor.id, now, "team_delete", department.name, department.name, None)
    )
    await uow.commit()
    return department


@dataclass(frozen=True, slots=True)
class MemberTeam:
    """A member's team, and where the actor may move them (for the member card)."""

    team: Department | None
    targets: list[Department]
    may_leave: bool  # out of every team: an admin's move only

    @property
    def movable(self) -> bool:
        return bool(self.targets) or self.may_leave


async def member_team(uow: DepartmentStore, actor: User, member: User) -> MemberTeam:
    """The member's team and the teams the actor may move them to (active sellers only)."""
    departments = await uow.departments.list()
    team = next((d for d in departments if d.id == member.department_id), None)
    if not (member.is_active and member.role is Role.SELLER):
        return MemberTeam(team, [], may_leave=False)
    led = led_departments(actor, departments)
    source = member.department_id
    targets = [
        d for d in departments if d.id != source and can_move_between(actor, source, d.id, led)
    ]
    may_leave = source is not None and can_move_between(actor, source, None, led)
    return MemberTeam(team, targets, may_leave)


async def move_member(
    uow: DepartmentStore,
    actor: User,
    member_id: UserId,
    department_id: DepartmentId | None,
    now: datetime,
) -> User:
    """Move a seller to another team (None: out of every team, for an admin only)."""
    member = await managed_member(uow, actor, member_id)
    if member.role is not Role.SELLER or not member.is_active:
        raise MemberInvalidError()
    departments = await uow.departments.list()
    by_id = {d.id: d for d in departments}
    if department_id is not None and department_id not in by_id:
        raise DepartmentNotFoundError()
    led = led_departments(actor, departments)
    if not can_move_between(actor, member.department_id, department_id, led):
        raise AccessDeniedError()
    if member.department_id != department_id:
        await uow.departments.move_member(member.id, department_id)
        before = by_id.get(member.department_id) if member.department_id else None
        after = by_id.get(department_id) if department_id else None
        await uow.audit.add(
            AuditEntry(
                actor.id,
                now,
                "team_move",
                member.name[:200],
                before.name if before else None,
                after.name if after else None,
            )
        )
        await uow.commit()
    return await uow.users.get(member.id) or member
