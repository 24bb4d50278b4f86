"""The scope rule of `bot.domain.access.manages` as SQL, so listings need no extra query."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select

from bot.domain.ids import UserId
from storage.models import DepartmentRow, UserRow


def managed_by(owner: Any, head_id: UserId) -> ColumnElement[bool]:
    """`owner` is someone the head manages: themselves, a member of a team they lead, or
    anyone when they lead no team (an admin's scope is no condition at all)."""
    led = select(DepartmentRow.id).where(DepartmentRow.head_id == head_id)
    return or_(
        owner == head_id,
        ~exists(led),
        owner.in_(select(UserRow.id).where(UserRow.department_id.in_(led))),
    )
