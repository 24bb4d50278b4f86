"""The working calendar in /settings (admins): the country's holidays coming, and the days an
admin adds (a day off, a working day) or gives back to the public calendar."""

from __future__ import annotations

import enum
from datetime import date

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from babel.dates import format_date

from bot.domain.calendar import CalendarDayInvalidError, parse_calendar_day
from bot.i18n import Translator
from bot.services.calendar import CalendarScreen, calendar_screen, clear_day, set_day
from handlers.cbtypes import CbId
from handlers.context import Ctx
from handlers.filters import TypedText
from handlers.keyboards import rows_of
from handlers.screens import Screen, message_of, show

SHOWN = 20  # the admin's days listed, each with its button to give it back


class CalendarAction(enum.StrEnum):
    SHOW = "s"
    ADD_OFF = "f"  # ask for a date to make a day off
    ADD_WORKING = "w"  # ask for a date to make a working day
    CLEAR = "c"  # give the day back to the public calendar


class CalendarCb(CallbackData, prefix="cal"):
    action: CalendarAction
    day: CbId = 0  # date.toordinal(); 0 for none


class CalendarDay(StatesGroup):
    value = State()


def _day(t: Translator, day: date) -> str:
    return format_date(day, "EEE dd.MM.yyyy", locale=t.lang)


def calendar_view(t: Translator, screen: CalendarScreen) -> Screen:
    country = t("calendar.no_country") if screen.country == "off" else screen.country
    lines = [t("calendar.title", country=country, days=screen.month_days)]
    if screen.holidays_ahead:
        shown = ", ".join(_day(t, d) for d in screen.holidays_ahead)
        lines.append(t("calendar.holidays_ahead", days=shown))
    lines.append("")
    if not screen.admin_days:
        lines.append(t("calendar.no_admin_days"))
    else:
        lines.append(t("calendar.admin_days"))
    clears = []
    for day, working in screen.admin_days[:SHOWN]:
        kind = t("calendar.working" if working else "calendar.off")
        lines.append(f"• {_day(t, day)} — {kind}")
        clears.append(
            InlineKeyboardButton(
                text=t("calendar.btn.clear", day=day.strftime("%d.%m.%Y")),
                callback_data=CalendarCb(action=CalendarAction.CLEAR, day=day.toordinal()).pack(),
            )
        )
    rows = rows_of(clears, 2)
    rows.append(
        [
            InlineKeyboardButton(
                text=t("calendar.btn.add_off"),
                callback_data=CalendarCb(action=CalendarAction.ADD_OFF).pack(),
            ),
            InlineKeyboardButton(
                text=t("calendar.btn.add_working"),
                callback_data=CalendarCb(action=CalendarAction.ADD_WORKING).pack(),
            ),
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def calendar_button(t: Translator) -> InlineKeyboardButton:
    """The row /settings shows to open the calendar."""
    return InlineKeyboardButton(
        text=t("calendar.btn.open"), callback_data=CalendarCb(action=CalendarAction.SHOW).pack()
    )


async def _screen(ctx: Ctx) -> Screen:
    today = ctx.now.astimezone(ctx.tz).date()
    return calendar_view(ctx.t, await calendar_screen(ctx.uow, ctx.staff, ctx.company, today))


async def on_show(query: CallbackQuery, ctx: Ctx) -> None:
    await query.answer()
    text, markup = await _screen(ctx)
    await message_of(query).answer(text, reply_markup=markup)


async def on_add(
    query: CallbackQuery, ctx: Ctx, callback_data: CalendarCb, state: FSMContext
) -> None:
    working = callback_data.action is CalendarAction.ADD_WORKING
    await state.set_state(CalendarDay.value)
    await state.update_data(working=working)
    await query.answer()
    await message_of(query).answer(ctx.t("calendar.ask_working" if working else "calendar.ask_off"))


async def on_day_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    working = bool((await state.get_data()).get("working", False))
    try:
        day = parse_calendar_day(message.text or "", ctx.now.astimezone(ctx.tz).date())
    except CalendarDayInvalidError:
        await message.answer(ctx.t("calendar.invalid_day"))
        return
    changed = await set_day(ctx.uow, ctx.staff, day, working, ctx.now)
    await state.clear()
    key = "calendar.saved_working" if working else "calendar.saved_off"
    await message.answer(ctx.t(key if changed else "calendar.unchanged", day=_day(ctx.t, day)))
    text, markup = await _screen(ctx)
    await message.answer(text, reply_markup=markup)


async def on_clear(query: CallbackQuery, ctx: Ctx, callback_data: CalendarCb) -> None:
    try:
        day = date.fromordinal(callback_data.day)
    except ValueError:
        day = None
    if day is None or not await clear_day(ctx.uow, ctx.staff, day, ctx.now):
        await query.answer(ctx.t("error.stale_button"), show_alert=True)
        return
    await show(query, await _screen(ctx), ctx.t("calendar.cleared", day=_day(ctx.t, day)))


def build_router() -> Router:
    """A fresh router, included in the settings router: its admins-only filter holds here too
    (and the services check the actor again)."""
    router = Router(name="calendar")
    router.callback_query(CalendarCb.filter(F.action == CalendarAction.SHOW))(on_show)
    adding = F.action.in_({CalendarAction.ADD_OFF, CalendarAction.ADD_WORKING})
    router.callback_query(CalendarCb.filter(adding))(on_add)
    router.callback_query(CalendarCb.filter(F.action == CalendarAction.CLEAR))(on_clear)
    router.message(CalendarDay.value, TypedText())(on_day_typed)
    return router
