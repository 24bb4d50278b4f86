"""Managing the team: change a role, deactivate a member and hand their work over.

A head acts only on the members of the teams they lead (bot.domain.access.manages)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.access import is_manager, is_staff, manages
from bot.domain.audit import AuditEntry
from bot.domain.deals import DealEvent, EventKind
from bot.domain.errors import AccessDeniedError, MemberInvalidError
from bot.domain.ids import DealId, UserId
from bot.domain.models import Department, Role, User
from bot.domain.notices import Notice
from bot.services.notify import QueueStore, enqueue
from bot.services.ports import AuditRepo, Notifier, UserRepo

# Reminders of tasks due within this window are owed again to the new assignee: one the
# leaving member had queued (held for quiet hours, say) is dropped as theirs.
REARM_WINDOW = timedelta(days=1)


class MemberDeals(Protocol):
    async def reassign_open(self, from_owner: UserId, to_owner: UserId) -> list[DealId]: ...


class MemberTasks(Protocol):
    async def reassign_assignee(
        self, from_user: UserId, to_user: UserId, rearm_from: datetime
    ) -> int: ...


class MemberStages(Protocol):
    async def hand_over_stages(self, from_owner: UserId, to_owner: UserId) -> int: ...


class MemberHistory(Protocol):
    async def add_many(self, events: Sequence[DealEvent]) -> None: ...


class MemberTeams(Protocol):
    async def list(self) -> list[Department]: ...
    async def drop_head(self, head_id: UserId) -> int: ...


class MemberStore(QueueStore, Protocol):
    """A member's role and leaving, with what passes to a successor: one transaction."""

    @property
    def users(self) -> UserRepo: ...
    @property
    def audit(self) -> AuditRepo: ...
    @property
    def deals(self) -> MemberDeals: ...
    @property
    def tasks(self) -> MemberTasks: ...
    @property
    def pipelines(self) -> MemberStages: ...
    @property
    def events(self) -> MemberHistory: ...
    @property
    def departments(self) -> MemberTeams: ...

    async def commit(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Handover:
    member: User
    successor: User
    deals: int
    tasks: int


# The new owner is told once how many deals and tasks came from whom (the Telegram layer).
HandoverText = Callable[[Handover], Notice]


async def _member(uow: MemberStore, user_id: UserId) -> User:
    member = await uow.users.get(user_id)
    if member is None or member.role is Role.CLIENT:
        raise MemberInvalidError()
    return member


async def change_role(
    uow: MemberStore, actor: User, member_id: UserId, role: Role, now: datetime
) -> User:
    """An admin makes a seller a head or back; nobody changes their own role here."""
    if actor.role is not Role.ADMIN or not actor.is_active or role not in (Role.SELLER, Role.HEAD):
        raise AccessDeniedError()
    member = await _member(uow, member_id)
    if member.id == actor.id or member.role is Role.ADMIN:
        raise AccessDeniedError()
    if not member.is_active or not manages(actor, member, await uow.departments.list()):
        raise MemberInvalidError()
    if member.role is not role:
        await uow.users.set_role(member.id, role)
        if role is Role.SELLER:
            await uow.departments.drop_head(member.id)  # a seller heads no team
        await uow.audit.add(
            AuditEntry(actor.id, now, "role", member.name[:200], member.role.value, role.value)
        )
        await uow.commit()
    return await uow.users.get(member.id) or member


async def deactivate(
    uow: MemberStore,
    actor: User,
    member_id: UserId,
    successor_id: UserId,
    now: datetime,
    notify: Notifier,
    render: HandoverText,
) -> Handover:
    """Switch a member off and give their open deals and tasks to a colleague, all in one
    transaction: a failure half-way leaves nothing moved. Each deal's history records it."""
    if not is_manager(actor):
        raise AccessDeniedError()
    member, successor = await _member(uow, member_id), await _member(uow, successor_id)
    if member.id in (actor.id, successor.id) or not is_staff(successor):
        raise MemberInvalidError()
    if not member.is_active:
        raise MemberInvalidError()  # a second tap, or a replayed button
    departments = await uow.departments.list()
    if not (manages(actor, member, departments) and manages(actor, successor, departments)):
        raise MemberInvalidError()  # a head reaches only into the teams they lead
    if member.role is Role.ADMIN:
        if actor.role is not Role.ADMIN:
            raise AccessDeniedError()
        admins = [u for u in await uow.users.managers() if u.role is Role.ADMIN]
        if len(admins) <= 1:
            raise AccessDeniedError()  # never leave the company without an admin
    deal_ids = await uow.deals.reassign_open(member.id, successor.id)
    await uow.events.add_many(
        [DealEvent(d, EventKind.HANDOFF, actor.id, now, text="reassigned") for d in deal_ids]
    )
    tasks = await uow.tasks.reassign_assignee(member.id, successor.id, now - REARM_WINDOW)
    # The conveyor keeps running: deals entering the leaver's stages go to the successor.
    await uow.pipelines.hand_over_stages(member.id, successor.id)
    await uow.departments.drop_head(member.id)
    await uow.users.set_active(member.id, False)
    after = f"{successor.name}: {len(deal_ids)}/{tasks}"
    await uow.audit.add(AuditEntry(actor.id, now, "deactivate", member.name[:200], "active", after))
    handover = Handover(member, successor, len(deal_ids), tasks)
    await enqueue(uow, [render(handover)], now, notify.tz, notify.quiet)
    await uow.commit()
    return handover
