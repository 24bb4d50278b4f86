"""Who is on the team: first admin, invites, roles."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.access import can_invite
from bot.domain.errors import (
    AccessDeniedError,
    AlreadyMemberError,
    ClaimCodeInvalidError,
    InviteInvalidError,
)
from bot.domain.ids import (
    PipelineId,
    TelegramId,
    UserId,
)
from bot.domain.models import (
    Invite,
    Role,
    User,
)
from bot.domain.templates import DEFAULT_PIPELINES, PipelineTemplate
from bot.services.departments import DepartmentStore, roster
from bot.services.ports import SettingRepo

CLAIM_KEY = "admin_claim_code"
INVITE_TTL = timedelta(days=7)


class TeamPipelines(Protocol):
    """A company's first pipelines come from templates."""

    async def add_from_template(
        self, template: PipelineTemplate, lang: str, position: int
    ) -> PipelineId: ...
    async def count(self) -> int: ...


class TeamStore(DepartmentStore, Protocol):
    """Joining, invites and roles: one transaction, committed by the service."""

    @property
    def invites(self) -> InviteRepo: ...
    @property
    def settings(self) -> SettingRepo: ...
    @property
    def pipelines(self) -> TeamPipelines: ...

    async def rollback(self) -> None: ...


class InviteRepo(Protocol):
    async def add(
        self, token: str, role: Role, created_by: UserId, now: datetime, expires_at: datetime
    ) -> Invite: ...
    async def get(self, token: str) -> Invite | None: ...
    async def use(self, token: str, user_id: UserId, now: datetime) -> bool:
        """Mark an unused, unexpired invite used; False when another press got there first."""
        ...


@dataclass(frozen=True, slots=True)
class Person:
    """The Telegram account behind an update, as the services need it."""

    tg_id: TelegramId
    name: str
    username: str | None
    language: str


async def prepare_installation(
    uow: TeamStore, admins: Collection[int], language: str
) -> str | None:
    """Seed the default pipelines once; with no admin anywhere, return a one-time claim code.
    Workers started together take turns: the later ones find the pipelines and the code."""
    await uow.settings.lock("installation")
    if await uow.pipelines.count() == 0:
        for position, template in enumerate(DEFAULT_PIPELINES):
            await uow.pipelines.add_from_template(template, language, position)
    code: str | None = None
    has_admin = any(u.role is Role.ADMIN and u.is_active for u in await uow.users.list_staff())
    if not admins and not has_admin:
        code = await uow.settings.get(CLAIM_KEY)
        if code is None:
            code = secrets.token_urlsafe(9)
            await uow.settings.put(CLAIM_KEY, code)
    await uow.commit()
    return code


async def identify(
    uow: TeamStore, person: Person, admins: Collection[int], now: datetime
) -> User | None:
    """The team member behind an update; an admin listed in BOT_ADMINS joins on first contact."""
    user = await uow.users.by_tg(person.tg_id)
    if user is not None and not user.is_reachable:
        # They wrote to the bot, so Telegram delivers to them again.
        await uow.users.set_reachable(user.id, True)
        await uow.commit()
    if person.tg_id in admins:
        if user is None:
            user = await uow.users.add(
                person.tg_id, person.name, person.username, Role.ADMIN, person.language, now
            )
            await uow.commit()
        elif user.role is not Role.ADMIN or not user.is_active:
            # BOT_ADMINS is the owner's word: such a person is always an active admin.
            await uow.users.set_role(user.id, Role.ADMIN)
            await uow.users.set_active(user.id, True)
            await uow.commit()
            user = await uow.users.get(user.id)
    return user


async def claim_admin(uow: TeamStore, person: Person, code: str, now: datetime) -> User:
    """`/start <code>` with the code printed on first start makes its sender the admin."""
    stored = await uow.settings.get(CLAIM_KEY)
    if stored is None or not secrets.compare_digest(stored, code):
        raise ClaimCodeInvalidError()
    user = await uow.users.by_tg(person.tg_id)
    if user is None:
        user = await uow.users.add(
            person.tg_id, person.name, person.username, Role.ADMIN, person.language, now
        )
    else:
        await uow.users.set_role(user.id, Role.ADMIN)
    await uow.settings.delete(CLAIM_KEY)
    await uow.commit()
    return await uow.users.get(user.id) or user


async def create_invite(uow: TeamStore, actor: User, role: Role, now: datetime) -> Invite:
    """A single-use join link for a seller or a head, valid for seven days."""
    if not can_invite(actor, role):
        raise AccessDeniedError()
    invite = await uow.invites.add(secrets.token_urlsafe(24), role, actor.id, now, now + INVITE_TTL)
    await uow.commit()
    return invite


async def accept_invite(uow: TeamStore, person: Person, token: str, now: datetime) -> User:
    """Opening an invite link joins the team with the invite's role, exactly once."""
    invite = await uow.invites.get(token)
    if invite is None or invite.used_by is not None or invite.expires_at <= now:
        raise InviteInvalidError()
    existing = await uow.users.by_tg(person.tg_id)
    if existing is not None and existing.is_active and existing.role is not Role.CLIENT:
        raise AlreadyMemberError()
    user = existing or await uow.users.add(
        person.tg_id, person.name, person.username, invite.role, person.language, now
    )
    if existing is not None:
        await uow.users.set_role(user.id, invite.role)
        await uow.users.set_active(user.id, True)  # a former member invited back
    if not await uow.invites.use(token, user.id, now):
        await uow.rollback()
        raise InviteInvalidError()
    await uow.commit()
    return await uow.users.get(user.id) or user


async def start_with_code(uow: TeamStore, person: Person, code: str, now: datetime) -> User:
    """A deep-link `/start <code>`: an invite token, or the one-time admin claim code."""
    if await uow.invites.get(code) is not None:
        return await accept_invite(uow, person, code, now)
    if await uow.settings.get(CLAIM_KEY) is not None:
        return await claim_admin(uow, person, code, now)
    raise InviteInvalidError()


async def choose_language(
    uow: TeamStore, actor: User, language: str, known: Collection[str]
) -> User:
    """Each person picks the language the bot speaks to them."""
    if language not in known:
        raise AccessDeniedError()
    await uow.users.set_language(actor.id, language)
    await uow.commit()
    return await uow.users.get(actor.id) or actor


async def list_team(uow: TeamStore, actor: User) -> list[User]:
    """Members the actor runs (a head who leads teams: their members); a seller is refused."""
    return (await roster(uow, actor)).members
