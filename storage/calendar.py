"""The days an admin set apart from the public calendar; never commits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.ids import UserId
from storage.models import CalendarDayRow


class SqlCalendarRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def days(self, start: date, end: date) -> dict[date, bool]:
        """The admin's days in [start, end): True a working day, False a day off."""
        rows = await self._s.execute(
            select(CalendarDayRow.day, CalendarDayRow.working)
            .where(CalendarDayRow.day >= start, CalendarDayRow.day < end)
            .order_by(CalendarDayRow.day)
        )
        return {day: bool(working) for day, working in rows}

    async def put(self, day: date, working: bool, by: UserId, at: datetime) -> None:
        row = await self._s.get(CalendarDayRow, day)
        if row is None:
            self._s.add(CalendarDayRow(day=day, working=working, set_by=by, set_at=at))
        else:
            row.working, row.set_by, row.set_at = working, by, at
        await self._s.flush()

    async def delete(self, day: date) -> bool:
        result = await self._s.execute(delete(CalendarDayRow).where(CalendarDayRow.day == day))
        return bool(result.rowcount)  # type: ignore[attr-defined]
