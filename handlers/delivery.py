"""`/delivery` (admins): how the notices are getting out, and the ones that could not."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.domain.delivery import DeliveryReport
from bot.i18n import Translator
from bot.services.delivery import delivery_report
from handlers import screens
from handlers.cbtypes import CbPage
from handlers.context import Ctx
from handlers.settings import is_admin
from handlers.texts import escaped, fit


class DeliveryCb(CallbackData, prefix="dlv"):
    page: CbPage = 0


def delivery_view(
    t: Translator, report: DeliveryReport, tz: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup]:
    c = report.counts
    lines = [
        t("delivery.title"),
        t("delivery.counts", pending=c.pending, sent=c.sent_today, failed=c.failed_week),
    ]
    if c.dropped_week:
        lines.append(t("delivery.dropped", dropped=c.dropped_week))
    if not report.failures:
        lines.append(t("delivery.no_failures"))
    else:
        lines.append(t("delivery.failed_title", page=report.page + 1, pages=report.pages))
    for f in report.failures:
        kind = t(f"delivery.kind.{f.kind}") if t.has(f"delivery.kind.{f.kind}") else f.kind
        lines.append(
            t(
                "delivery.row",
                at=f.at.astimezone(tz).strftime("%d.%m %H:%M"),
                who=html.escape(f.name) if f.name else str(f.chat_id),
                kind=html.escape(kind),
                reason=escaped(f.reason or "—", 120),
            )
        )
    nav = []
    if report.page > 0:
        back = DeliveryCb(page=report.page - 1).pack()
        nav.append(InlineKeyboardButton(text="◀️", callback_data=back))
    if report.page + 1 < report.pages:
        forward = DeliveryCb(page=report.page + 1).pack()
        nav.append(InlineKeyboardButton(text="▶️", callback_data=forward))
    return fit(t, lines), InlineKeyboardMarkup(inline_keyboard=[nav] if nav else [])


async def cmd_delivery(message: Message, ctx: Ctx) -> None:
    text, markup = delivery_view(
        ctx.t, await delivery_report(ctx.uow, ctx.staff, ctx.now, ctx.tz, 0), ctx.tz
    )
    await message.answer(text, reply_markup=markup)


async def on_delivery_page(query: CallbackQuery, ctx: Ctx, callback_data: DeliveryCb) -> None:
    report = await delivery_report(ctx.uow, ctx.staff, ctx.now, ctx.tz, callback_data.page)
    await screens.show(query, delivery_view(ctx.t, report, ctx.tz))


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="delivery")
    router.message.filter(is_admin)
    router.callback_query.filter(is_admin)
    router.message(Command("delivery"))(cmd_delivery)
    router.callback_query(DeliveryCb.filter())(on_delivery_page)
    return router
