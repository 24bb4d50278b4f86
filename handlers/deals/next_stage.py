"""➡️ Next stage from a notification (a reminder, a stalled-deal alert): one tap moves the
deal on, with the card's access rules and version check. The button carries the deal's
version as the notice saw it; a deal changed since gets the card as it is now, and why."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.domain.errors import StaleActionError
from bot.domain.ids import DealId
from bot.services import deals
from handlers.context import Ctx
from handlers.deals.callbacks import NextStageCb
from handlers.deals.views import card_keyboard, card_screen, card_text
from handlers.filters import IsStaff
from handlers.screens import message_of
from handlers.tasks.next_step import asking_in_card, prompt_is_live


async def _card(query: CallbackQuery, ctx: Ctx, view: deals.DealView, alert: str) -> None:
    """The card under the notice (which stays, with its other buttons), and a word why."""
    await query.answer(alert, show_alert=True)
    await message_of(query).answer(
        card_text(ctx.t, view, ctx.tz), reply_markup=card_keyboard(ctx.t, view)
    )


async def on_next_stage(
    query: CallbackQuery, ctx: Ctx, callback_data: NextStageCb, state: FSMContext
) -> None:
    deal_id = DealId(callback_data.deal_id)
    view = await deals.open_deal(ctx.uow, ctx.staff, deal_id, ctx.now)
    if not view.deal.is_open:
        await _card(query, ctx, view, ctx.t("error.deal_closed"))
        return
    if view.deal.version != callback_data.version:
        await _card(query, ctx, view, ctx.t("error.stale_action"))
        return
    if view.next_stage is None:
        await _card(query, ctx, view, ctx.t("quick.last_stage"))
        return
    try:
        view, _ = await deals.move_deal(
            ctx.uow,
            ctx.staff,
            deal_id,
            view.next_stage.id,
            ctx.now,
            ctx.notifier,
            expected_version=callback_data.version,
        )
    except StaleActionError:
        fresh = await deals.open_deal(ctx.uow, ctx.staff, deal_id, ctx.now)
        await _card(query, ctx, fresh, ctx.t("error.stale_action"))
        return
    await query.answer(ctx.t("card.moved", stage=view.stage.name))
    card = card_screen(ctx.t, view, ctx.tz)
    text, markup = asking_in_card(ctx, card, view.deal.id, view.deal.title)
    sent = await message_of(query).answer(text, reply_markup=markup)
    await prompt_is_live(sent, state, view.deal.id, card)


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="deal_next_stage")
    router.callback_query.filter(IsStaff())
    router.callback_query(NextStageCb.filter())(on_next_stage)
    return router
