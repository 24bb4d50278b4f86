"""The working calendar in /settings: an admin sees the country's holidays and adds or gives
back the company's own days; every working-day figure counts them at once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.calendar import CalendarAction, CalendarCb
from storage.models import AuditRow, CalendarDayRow
from tests.flows.harness import Person, said

# The flows' clock: Monday 23 November 2026. November has 20 working days in Russia.
FRIDAY = date(2026, 11, 27)


async def admin_days(engine: AsyncEngine) -> list[tuple[date, bool]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(CalendarDayRow.day, CalendarDayRow.working).order_by(CalendarDayRow.day)
        )
        return [(day, bool(working)) for day, working in rows]


async def open_calendar(admin: Person) -> None:
    await admin.send("/settings")
    await admin.press(said.of(admin.lang)("calendar.btn.open"))


async def test_an_admin_adds_a_day_off_and_gives_it_back(
    admin: Person, engine: AsyncEngine
) -> None:
    await open_calendar(admin)
    assert admin.text.startswith(said("calendar.title", country="RU", days=20))
    assert said("calendar.no_admin_days") in admin.text
    await admin.press(said("calendar.btn.add_off"))
    assert admin.text == said("calendar.ask_off")
    # A date that is none is explained and changes nothing; the admin types it again.
    await admin.send("31.02")
    assert admin.text == said("calendar.invalid_day")
    assert await admin_days(engine) == []
    await admin.send("27.11.2026")
    assert admin.texts[0] == said("calendar.saved_off", day="пт 27.11.2026")
    assert admin.text.startswith(said("calendar.title", country="RU", days=19))
    assert f"• пт 27.11.2026 — {said('calendar.off')}" in admin.text
    assert await admin_days(engine) == [(FRIDAY, False)]
    async with engine.connect() as conn:
        audit = (
            await conn.execute(select(AuditRow.action, AuditRow.subject, AuditRow.after))
        ).all()
    assert [tuple(r) for r in audit] == [("calendar", "2026-11-27", "🏖")]
    # The same day again: nothing changes.
    await admin.press(said("calendar.btn.add_off"))
    await admin.send("27.11")
    assert admin.texts[0] == said("calendar.unchanged", day="пт 27.11.2026")
    # Given back to the country's calendar from its button.
    await admin.press("✖ 27.11.2026")
    assert admin.alert == said("calendar.cleared", day="пт 27.11.2026")
    assert admin.text.startswith(said("calendar.title", country="RU", days=20))
    assert await admin_days(engine) == []


async def test_a_working_saturday_and_a_holiday_worked_count_as_working_days(
    admin: Person, engine: AsyncEngine
) -> None:
    await open_calendar(admin)
    await admin.press(said("calendar.btn.add_working"))
    assert admin.text == said("calendar.ask_working")
    await admin.send("28.11.2026")  # a Saturday
    assert admin.texts[0] == said("calendar.saved_working", day="сб 28.11.2026")
    assert admin.text.startswith(said("calendar.title", country="RU", days=21))
    await admin.press(said("calendar.btn.add_working"))
    await admin.send("04.11.2026")  # Unity Day
    assert admin.text.startswith(said("calendar.title", country="RU", days=22))
    assert await admin_days(engine) == [(date(2026, 11, 4), True), (date(2026, 11, 28), True)]


async def test_the_country_is_a_setting(admin: Person) -> None:
    await admin.send("/settings")
    await admin.press(said("settings.key.holiday_country"))
    await admin.send("Narnia")
    name, hint = said("settings.key.holiday_country"), said("settings.hint.holiday_country")
    assert admin.text == said("settings.invalid", name=name, hint=hint)
    await admin.send("off")
    assert admin.texts[0] == said("settings.saved")
    await admin.press(said("calendar.btn.open"))
    # Without the country's holidays the 4th is a working day again: 21.
    assert admin.text.startswith(
        said("calendar.title", country=said("calendar.no_country"), days=21)
    )
    await admin.send("/settings")
    await admin.press(said("settings.key.holiday_country"))
    await admin.send("by")
    await admin.press(said("calendar.btn.open"))
    # Belarus: 7 November (a Saturday in 2026) is its holiday; November keeps 21 weekdays.
    assert admin.text.startswith(said("calendar.title", country="BY", days=21))


async def test_forged_and_foreign_presses_change_nothing(
    admin: Person, seller: Person, engine: AsyncEngine
) -> None:
    # A day the admin never set: the button is outdated.
    await open_calendar(admin)
    await admin.press_data(CalendarCb(action=CalendarAction.CLEAR, day=FRIDAY.toordinal()).pack())
    assert admin.alert == said("error.stale_button")
    await admin.press_data(CalendarCb(action=CalendarAction.CLEAR, day=3_000_000).pack())
    assert admin.alert == said("error.stale_button")
    # A seller replaying an admin's buttons gets nowhere near the calendar.
    await seller.press_data(CalendarCb(action=CalendarAction.ADD_OFF).pack())
    await seller.send("27.11.2026")  # no calendar step: plain text, a search of deals
    assert seller.texts == [said("plain.nothing", text="27.11.2026")]
    assert await admin_days(engine) == []


@pytest.mark.parametrize("team_language", ["en"], indirect=True)
async def test_in_english(admin: Person, engine: AsyncEngine) -> None:
    en = said.of("en")
    admin.lang = "en"
    await open_calendar(admin)
    assert admin.text.startswith(en("calendar.title", country="RU", days=20))
    await admin.press(en("calendar.btn.add_off"))
    assert admin.text == en("calendar.ask_off")
    await admin.send("27.11")
    assert admin.texts[0] == en("calendar.saved_off", day="Fri 27.11.2026")
    assert f"• Fri 27.11.2026 — {en('calendar.off')}" in admin.text
    assert await admin_days(engine) == [(FRIDAY, False)]
