"""Teams (departments): rows in, `Department`s out. It never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import DepartmentId, UserId
from bot.domain.models import Department
from storage.models import DepartmentRow, UserRow, fold
from storage.rules import Rules


class SqlDepartmentRepo:
    def __init__(self, session: AsyncSession, rules: Rules) -> None:
        self._s = session
        self._rules = rules

    async def list(self) -> list[Department]:
        rows = await self._s.scalars(select(DepartmentRow).order_by(DepartmentRow.name_key))
        return [_department(r) for r in rows]

    async def get(self, department_id: DepartmentId) -> Department | None:
        row = await self._s.get(DepartmentRow, department_id)
        return _department(row) if row else None

    async def add(self, name: str, now: datetime) -> Department:
        row = DepartmentRow(name=name, name_key=fold(name), created_at=now)
        self._s.add(row)
        await self._s.flush()
        return _department(row)

    async def rename(self, department_id: DepartmentId, name: str) -> None:
        await self._s.execute(
            update(DepartmentRow)
            .where(DepartmentRow.id == department_id)
            .values(name=name, name_key=fold(name))
        )

    async def set_head(self, department_id: DepartmentId, head_id: UserId | None) -> None:
        await self._s.execute(
            update(DepartmentRow).where(DepartmentRow.id == department_id).values(head_id=head_id)
        )

    async def drop_head(self, head_id: UserId) -> int:
        result = await self._s.execute(
            update(DepartmentRow).where(DepartmentRow.head_id == head_id).values(head_id=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def delete(self, department_id: DepartmentId) -> None:
        """Remove the team; members switched off long ago keep no team."""
        self._rules.touch()  # members change
        await self._s.execute(
            update(UserRow).where(UserRow.department_id == department_id).values(department_id=None)
        )
        row = await self._s.get(DepartmentRow, department_id)
        if row is not None:
            await self._s.delete(row)
            await self._s.flush()

    async def member_count(self, department_id: DepartmentId) -> int:
        """Active members of the team."""
        count = await self._s.scalar(
            select(func.count())
            .select_from(UserRow)
            .where(UserRow.department_id == department_id, UserRow.is_active)
        )
        return int(count or 0)

    async def led_members(self, head_id: UserId) -> dict[DepartmentId, frozenset[UserId]]:
        """The teams this person heads, each with its members (active or not); one query."""
        rows = await self._s.execute(
            select(DepartmentRow.id, UserRow.id)
            .outerjoin(UserRow, UserRow.department_id == DepartmentRow.id)
            .where(DepartmentRow.head_id == head_id)
        )
        led: dict[DepartmentId, set[UserId]] = {}
        for department_id, user_id in rows:
            members = led.setdefault(DepartmentId(department_id), set())
            if user_id is not None:
                members.add(UserId(user_id))
        return {d: frozenset(m) for d, m in led.items()}

    async def move_member(self, user_id: UserId, department_id: DepartmentId | None) -> None:
        self._rules.touch()  # a member changes
        await self._s.execute(
            update(UserRow).where(UserRow.id == user_id).values(department_id=department_id)
        )


def _department(row: DepartmentRow) -> Department:
    return Department(
        DepartmentId(row.id), row.name, UserId(row.head_id) if row.head_id is not None else None
    )
