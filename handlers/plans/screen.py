"""The month screen, shown by /plan and after every change."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram.types import Message

from bot.domain.plans import month_of
from bot.services import plans
from handlers.context import Ctx
from handlers.plans.views import month_view


def this_month(now: datetime, tz: ZoneInfo) -> date:
    return month_of(now.astimezone(tz).date())


async def show_month(
    message: Message,
    ctx: Ctx,
    month: date,
    current: date,
    *,
    edit: bool = False,
) -> None:
    view = await plans.month_plans(ctx.uow, ctx.staff, month, current)
    text, markup = month_view(ctx.t, view, current, ctx.company.currency)
    if edit:
        await message.edit_text(text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)
