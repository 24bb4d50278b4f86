"""Accept / Decline of a deal handed over by a stage with its own owner."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.domain.ids import DealId
from bot.services import deals
from bot.services.handoff import accept_handoff, decline_handoff
from handlers.context import Ctx
from handlers.deals.callbacks import HandoffCb
from handlers.deals.views import card_keyboard, card_text
from handlers.filters import IsStaff
from handlers.screens import message_of


async def on_decline(query: CallbackQuery, ctx: Ctx, callback_data: HandoffCb) -> None:
    deal_id = DealId(callback_data.deal_id)
    deal = await decline_handoff(ctx.uow, ctx.staff, deal_id, ctx.now, ctx.notifier)
    await query.answer(ctx.t("handoff.declined_toast"))
    await message_of(query).edit_text(ctx.t("handoff.you_declined", deal=html.escape(deal.title)))


async def on_accept(query: CallbackQuery, ctx: Ctx, callback_data: HandoffCb) -> None:
    deal_id = DealId(callback_data.deal_id)
    await accept_handoff(ctx.uow, ctx.staff, deal_id, ctx.now, ctx.notifier)
    view = await deals.open_deal(ctx.uow, ctx.staff, deal_id, ctx.now)
    await query.answer(ctx.t("handoff.accepted_toast"))
    await message_of(query).edit_text(
        card_text(ctx.t, view, ctx.tz), reply_markup=card_keyboard(ctx.t, view)
    )


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="handoff")
    router.callback_query.filter(IsStaff())
    router.callback_query(HandoffCb.filter(F.accept))(on_accept)
    router.callback_query(HandoffCb.filter(~F.accept))(on_decline)
    return router
