"""`/digest` and the digest's drill-down buttons; heads and admins only (the service checks)."""

from __future__ import annotations

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

from bot.domain.ids import UserId
from bot.services import digest
from handlers.context import Ctx
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
from handlers.screens import message_of, show


async def cmd_digest(message: Message, ctx: Ctx) -> None:
    report = await digest.digest_on_demand(ctx.uow, ctx.staff, ctx.now, ctx.company)
    await message.answer(digest_text(ctx.t, report), reply_markup=digest_keyboard(ctx.t, report))
    if report.digest.is_empty:
        return
    if message.bot is not None:
        await message.bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_PHOTO)
    charts = await render_charts(ctx.t, report)
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


async def on_digest_button(query: CallbackQuery, ctx: Ctx, callback_data: DigestCb) -> None:
    markup: InlineKeyboardMarkup | None
    if callback_data.view in (DigestView.SELLER, DigestView.SELLER_PAGE):
        seller, page = await digest.seller_pipeline(
            ctx.uow, ctx.staff, UserId(callback_data.seller_id), ctx.now, callback_data.page
        )
        text = seller_deals_text(ctx.t, seller.name, page)
        markup = seller_deals_keyboard(page, seller.id)
    elif callback_data.view is DigestView.STALLED:
        # A new message, as for the other drill-downs: the digest itself stays as it was,
        # and the list's own paging and filter buttons then edit the list, not the digest.
        digest.require_manager(ctx.staff)
        text, markup = await render_deals(DealsPageCb(stalled=True), ctx)
    else:
        tasks, total, names = await digest.overdue_tasks(ctx.uow, ctx.staff, ctx.now)
        text, markup = overdue_text(ctx.t, tasks, total, names, ctx.now, ctx.tz), None
    if callback_data.view is DigestView.SELLER_PAGE:
        await show(query, (text, markup))  # the list's own page buttons turn its page
        return
    await query.answer()
    await message_of(query).answer(text, reply_markup=markup)


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="digest")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.message(Command("digest"))(cmd_digest)
    router.callback_query(DigestCb.filter())(on_digest_button)
    return router
