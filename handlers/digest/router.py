"""`/digest` and the digest's drill-down buttons; heads and admins only (the service checks)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatAction
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
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
from handlers.screens import Screen, message_of, show


async def cmd_digest(message: Message, ctx: Ctx) -> None:
    report = await digest.digest_on_demand(ctx.uow, ctx.staff, ctx.now, ctx.company)
    text = digest_text(ctx.t, report, at=ctx.now.astimezone(ctx.tz))
    await message.answer(text, reply_markup=digest_keyboard(ctx.t, report))
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


async def _seller_deals(ctx: Ctx, callback_data: DigestCb) -> Screen:
    seller, page = await digest.seller_pipeline(
        ctx.uow, ctx.staff, UserId(callback_data.seller_id), ctx.now, callback_data.page
    )
    return seller_deals_text(ctx.t, seller.name, page), seller_deals_keyboard(page, seller.id)


async def _send(query: CallbackQuery, screen: Screen) -> None:
    """A drill-down comes as a new message: the digest itself stays as it was."""
    await query.answer()
    await message_of(query).answer(screen[0], reply_markup=screen[1])


async def on_seller(query: CallbackQuery, ctx: Ctx, callback_data: DigestCb) -> None:
    await _send(query, await _seller_deals(ctx, callback_data))


async def on_seller_page(query: CallbackQuery, ctx: Ctx, callback_data: DigestCb) -> None:
    await show(query, await _seller_deals(ctx, callback_data))  # the list turns its own page


async def on_stalled(query: CallbackQuery, ctx: Ctx) -> None:
    # The list's own paging and filter buttons then edit the list, not the digest.
    digest.require_manager(ctx.staff)
    await _send(query, await render_deals(DealsPageCb(stalled=True), ctx))


async def on_overdue(query: CallbackQuery, ctx: Ctx) -> None:
    tasks, total, names = await digest.overdue_tasks(ctx.uow, ctx.staff, ctx.now)
    await _send(query, (overdue_text(ctx.t, tasks, total, names, ctx.now, ctx.tz), None))


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="digest")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.message(Command("digest"))(cmd_digest)
    router.callback_query(DigestCb.filter(F.view == DigestView.SELLER))(on_seller)
    router.callback_query(DigestCb.filter(F.view == DigestView.SELLER_PAGE))(on_seller_page)
    router.callback_query(DigestCb.filter(F.view == DigestView.STALLED))(on_stalled)
    router.callback_query(DigestCb.filter(F.view == DigestView.OVERDUE))(on_overdue)
    return router
