"""Accept / Decline of a deal handed over by a stage with its own owner."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.types import CallbackQuery, Message

from bot.domain.ids import DealId
from bot.domain.models import User
from bot.i18n import Translator
from bot.services import deals
from bot.services.handoff import accept_handoff, decline_handoff
from bot.services.ports import Notifier, UnitOfWork
from handlers.deals.callbacks import HandoffCb
from handlers.deals.views import card_keyboard, card_text
from handlers.filters import IsStaff


async def on_handoff(
    query: CallbackQuery,
    callback_data: HandoffCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
    notifier: Notifier,
) -> None:
    deal_id = DealId(callback_data.deal_id)
    if not callback_data.accept:
        deal = await decline_handoff(uow, user, deal_id, now, notifier)
        await query.answer(t("handoff.declined_toast"))
        if isinstance(query.message, Message):
            await query.message.edit_text(t("handoff.you_declined", deal=html.escape(deal.title)))
        return
    await accept_handoff(uow, user, deal_id, now, notifier)
    view = await deals.open_deal(uow, user, deal_id, now)
    await query.answer(t("handoff.accepted_toast"))
    if isinstance(query.message, Message):
        await query.message.edit_text(card_text(t, view, tz), reply_markup=card_keyboard(t, view))


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="handoff")
    router.callback_query.filter(IsStaff())
    router.callback_query(HandoffCb.filter())(on_handoff)
    return router
