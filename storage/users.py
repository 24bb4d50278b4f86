"""Members and invites: who is in the team, with which role. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import DepartmentId, PipelineId, TelegramId, UserId
from bot.domain.models import Invite, Role, User
from storage.models import InviteRow, UserRow
from storage.rules import Rules


def _user(row: UserRow) -> User:
    return User(
        id=UserId(row.id),
        tg_id=TelegramId(row.tg_id),
        name=row.name,
        role=Role(row.role),
        language=row.language,
        is_active=row.is_active,
        username=row.username,
        default_pipeline_id=PipelineId(row.default_pipeline_id)
        if row.default_pipeline_id
        else None,
        is_reachable=row.is_reachable,
        department_id=DepartmentId(row.department_id) if row.department_id else None,
    )


class SqlUserRepo:
    """Members by id and by Telegram id follow the rules' caching rule (`storage.rules`): from
    the process's cache until this unit of work changes a member; every write here is one."""

    def __init__(self, session: AsyncSession, rules: Rules) -> None:
        self._s = session
        self._rules = rules

    async def get(self, user_id: UserId) -> User | None:
        cache = await self._rules.cache()
        if cache is not None and user_id in cache.by_id:
            return cache.by_id[user_id]
        row = await self._s.get(UserRow, user_id)
        user = _user(row) if row else None
        if user is not None:
            self._keep(user.tg_id, user)
        return user

    async def by_tg(self, tg_id: TelegramId) -> User | None:
        cache = await self._rules.cache()
        if cache is not None and tg_id in cache.by_tg:
            return cache.by_tg[tg_id]
        row = await self._s.scalar(select(UserRow).where(UserRow.tg_id == tg_id))
        user = _user(row) if row else None
        self._keep(tg_id, user)
        return user

    def _keep(self, tg_id: TelegramId, user: User | None) -> None:
        if (kept := self._rules.keep()) is not None:
            kept.remember_user(tg_id, user)

    async def add(
        self,
        tg_id: TelegramId,
        name: str,
        username: str | None,
        role: Role,
        language: str,
        now: datetime,
    ) -> User:
        self._rules.touch()
        row = UserRow(
            tg_id=tg_id,
            name=name,
            username=username,
            role=role.value,
            language=language,
            is_active=True,
            is_reachable=True,
            created_at=now,
        )
        self._s.add(row)
        await self._s.flush()
        return _user(row)

    async def set_role(self, user_id: UserId, role: Role) -> None:
        self._rules.touch()
        await self._s.execute(update(UserRow).where(UserRow.id == user_id).values(role=role.value))

    async def set_active(self, user_id: UserId, active: bool) -> None:
        self._rules.touch()
        stmt = update(UserRow).where(UserRow.id == user_id).values(is_active=active)
        await self._s.execute(stmt)

    async def set_language(self, user_id: UserId, language: str) -> None:
        self._rules.touch()
        stmt = update(UserRow).where(UserRow.id == user_id).values(language=language)
        await self._s.execute(stmt)

    async def set_default_pipeline(self, user_id: UserId, pipeline_id: PipelineId) -> None:
        self._rules.touch()
        await self._s.execute(
            update(UserRow).where(UserRow.id == user_id).values(default_pipeline_id=pipeline_id)
        )

    async def list_staff(self) -> list[User]:
        rows = await self._s.scalars(
            select(UserRow).where(UserRow.role != Role.CLIENT.value).order_by(UserRow.id)
        )
        return [_user(r) for r in rows]

    async def names(self, ids: Sequence[UserId]) -> dict[UserId, str]:
        if not ids:
            return {}
        rows = await self._s.execute(
            select(UserRow.id, UserRow.name).where(UserRow.id.in_(set(ids)))
        )
        return {UserId(i): n for i, n in rows}

    async def set_reachable(self, user_id: UserId, reachable: bool) -> bool:
        result = await self._s.execute(
            update(UserRow)
            .where(UserRow.id == user_id, UserRow.is_reachable.is_not(reachable))
            .values(is_reachable=reachable)
        )
        changed = bool(result.rowcount)  # type: ignore[attr-defined]
        if changed:
            self._rules.touch()
        return changed

    async def many(self, ids: Sequence[UserId]) -> dict[UserId, User]:
        if not ids:
            return {}
        rows = await self._s.scalars(select(UserRow).where(UserRow.id.in_(set(ids))))
        return {UserId(r.id): _user(r) for r in rows}

    async def managers(self) -> list[User]:
        rows = await self._s.scalars(
            select(UserRow)
            .where(
                UserRow.role.in_([Role.ADMIN.value, Role.HEAD.value]), UserRow.is_active.is_(True)
            )
            .order_by(UserRow.id)
        )
        return [_user(r) for r in rows]


def _invite(row: InviteRow) -> Invite:
    return Invite(
        token=row.token,
        role=Role(row.role),
        created_by=UserId(row.created_by),
        expires_at=row.expires_at,
        used_by=UserId(row.used_by) if row.used_by else None,
    )


class SqlInviteRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self, token: str, role: Role, created_by: UserId, now: datetime, expires_at: datetime
    ) -> Invite:
        row = InviteRow(
            token=token,
            role=role.value,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
        self._s.add(row)
        await self._s.flush()
        return _invite(row)

    async def get(self, token: str) -> Invite | None:
        row = await self._s.scalar(select(InviteRow).where(InviteRow.token == token))
        return _invite(row) if row else None

    async def use(self, token: str, user_id: UserId, now: datetime) -> bool:
        result = await self._s.execute(
            update(InviteRow)
            .where(
                InviteRow.token == token, InviteRow.used_by.is_(None), InviteRow.expires_at > now
            )
            .values(used_by=user_id, used_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
