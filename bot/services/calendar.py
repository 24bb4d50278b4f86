"""The team's working calendar: the country's public days, the admin's own days over them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.domain.audit import AuditEntry
from bot.domain.calendar import WorkCalendar, calendar_years
from bot.domain.company import CompanySettings
from bot.domain.errors import AccessDeniedError
from bot.domain.ids import UserId
from bot.domain.models import Role, User
from bot.domain.public_days import public_days
from bot.services.ports import AuditRepo

UPCOMING = 60  # days of public holidays the calendar screen shows ahead


class CalendarRepo(Protocol):
    async def days(self, start: date, end: date) -> dict[date, bool]:
        """The admin's days in [start, end): True a working day, False a day off."""
        ...

    async def put(self, day: date, working: bool, by: UserId, at: datetime) -> None: ...
    async def delete(self, day: date) -> bool: ...


class CalendarReader(Protocol):
    @property
    def calendar(self) -> CalendarRepo: ...


class CalendarStore(CalendarReader, Protocol):
    @property
    def audit(self) -> AuditRepo: ...

    async def commit(self) -> None: ...


def _public(company: CompanySettings, years: range) -> tuple[frozenset[date], frozenset[date]]:
    off: frozenset[date] = frozenset()
    on: frozenset[date] = frozenset()
    for year in years:
        year_off, year_on = public_days(company.holiday_country, year)
        off, on = off | year_off, on | year_on
    return off, on


async def team_calendar(uow: CalendarReader, company: CompanySettings, today: date) -> WorkCalendar:
    """The working days from last year to next: weekdays, public holidays and moved working
    days of the company's country, and the days an admin set, which win over both."""
    years = calendar_years(today)
    admin = await uow.calendar.days(date(years[0], 1, 1), date(years[-1] + 1, 1, 1))
    off, on = _public(company, years)
    return WorkCalendar.of(company.working_days, off, on, admin)


@dataclass(frozen=True, slots=True)
class CalendarScreen:
    country: str
    admin_days: list[tuple[date, bool]]  # from the start of last month on, in date order
    holidays_ahead: list[date]  # public days off on working weekdays in the next UPCOMING days
    month_days: int  # working days in this month, as every figure counts them


def _require_admin(actor: User) -> None:
    if not actor.is_active or actor.role is not Role.ADMIN:
        raise AccessDeniedError()


async def calendar_screen(
    uow: CalendarReader, actor: User, company: CompanySettings, today: date
) -> CalendarScreen:
    """What /settings shows of the calendar: the admin's days and the holidays coming."""
    _require_admin(actor)
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    years = calendar_years(today)
    admin = await uow.calendar.days(first, date(years[-1] + 1, 1, 1))
    cal = await team_calendar(uow, company, today)
    off, _ = _public(company, years)
    ahead = sorted(
        d
        for d in off
        if today <= d < today + timedelta(days=UPCOMING)
        and d.isoweekday() in company.working_days
        and not admin.get(d, False)
    )
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return CalendarScreen(
        company.holiday_country, sorted(admin.items()), ahead, cal.count(start, end)
    )


async def set_day(uow: CalendarStore, actor: User, day: date, working: bool, now: datetime) -> bool:
    """An admin makes `day` a working day or a day off, over the public calendar; audited.
    False when the admin had already set it so."""
    _require_admin(actor)
    before = (await uow.calendar.days(day, day + timedelta(days=1))).get(day)
    if before is working:
        return False
    await uow.calendar.put(day, working, actor.id, now)
    await uow.audit.add(
        AuditEntry(actor.id, now, "calendar", day.isoformat(), _word(before), _word(working))
    )
    await uow.commit()
    return True


async def clear_day(uow: CalendarStore, actor: User, day: date, now: datetime) -> bool:
    """An admin gives `day` back to the public calendar; False if it was not set."""
    _require_admin(actor)
    before = (await uow.calendar.days(day, day + timedelta(days=1))).get(day)
    if before is None or not await uow.calendar.delete(day):
        return False
    await uow.audit.add(AuditEntry(actor.id, now, "calendar", day.isoformat(), _word(before), None))
    await uow.commit()
    return True


def _word(working: bool | None) -> str | None:
    """How the audit log records a day, in any language: 💼 working, 🏖 off."""
    return None if working is None else ("💼" if working else "🏖")
