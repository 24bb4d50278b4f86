"""`/digest` and the digest's drill-down buttons; heads and admins only (the service checks)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.enums import ChatAction
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)

from bot.domain.company import CompanySettings
from bot.domain.ids import UserId
from bot.domain.models import User
from bot.i18n import Translator
from bot.services import digest
from bot.services.ports import UnitOfWork
from handlers.deals.callbacks import DealsPageCb
from handlers.deals.listing import render_deals
from handlers.digest.callbacks import DigestCb, DigestView
from handlers.digest.notices import render_charts
from handlers.digest.views import (
    digest_keyboard,
    digest_text,
    overdue_text,
    seller_deals_keyboard,
    seller_deals_text,
)
from handlers.filters import IsStaff
from handlers.screens import show


async def cmd_digest(
    message: Message,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    company: CompanySettings,
) -> None:
    report = await digest.digest_on_demand(uow, user, now, company)
    await message.answer(digest_text(t, report), reply_markup=digest_keyboard(t, report))
    if report.digest.is_empty:
        return
    if message.bot is not None:
        await message.bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_PHOTO)
    charts = await render_charts(t, report)
    await message.answer_media_group(
        [
            InputMediaPhoto(media=BufferedInputFile(png, f"{name}.png"))
            for name, png in (
                ("plan", charts.plan),
                ("month", charts.month),
                ("funnel", charts.funnel),
            )
        ]
    )


async def on_digest_button(
    query: CallbackQuery,
    callback_data: DigestCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    now: datetime,
    tz: ZoneInfo,
) -> None:
    markup: InlineKeyboardMarkup | None
    if callback_data.view in (DigestView.SELLER, DigestView.SELLER_PAGE):
        seller, page = await digest.seller_pipeline(
            uow, user, UserId(callback_data.seller_id), now, callback_data.page
        )
        text = seller_deals_text(t, seller.name, page)
        markup = seller_deals_keyboard(page, seller.id)
    elif callback_data.view is DigestView.STALLED:
        # A new message, as for the other drill-downs: the digest itself stays as it was,
        # and the list's own paging and filter buttons then edit the list, not the digest.
        digest.require_manager(user)
        text, markup = await render_deals(uow, user, t, now, DealsPageCb(stalled=True))
    else:
        tasks, total, names = await digest.overdue_tasks(uow, user, now)
        text, markup = overdue_text(t, tasks, total, names, now, tz), None
    if callback_data.view is DigestView.SELLER_PAGE:
        await show(query, (text, markup))  # the list's own page buttons turn its page
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=markup)


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="digest")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.message(Command("digest"))(cmd_digest)
    router.callback_query(DigestCb.filter())(on_digest_button)
    return router
