"""The month screen, shown by /plan and after every change."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram.types import Message

from bot.domain.company import CompanySettings
from bot.domain.models import User
from bot.domain.plans import month_of
from bot.i18n import Translator
from bot.services import plans
from bot.services.ports import UnitOfWork
from handlers.plans.views import month_view


def this_month(now: datetime, tz: ZoneInfo) -> date:
    return month_of(now.astimezone(tz).date())


async def show_month(
    message: Message,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    month: date,
    current: date,
    company: CompanySettings,
    *,
    edit: bool = False,
) -> None:
    view = await plans.month_plans(uow, user, month, current)
    text, markup = month_view(t, view, current, company.currency)
    if edit:
        await message.edit_text(text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)
