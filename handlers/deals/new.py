"""`/new`: a deal in one message. `/new ООО Ромашка 150к` (or the same typed after ➕) goes
to the seller's usual pipeline (another is one tap away after ➕); an exact client match is
taken, similar ones are offered; a missing amount is asked for; then the optional step
(`details.py`) or, as the seller chose, the card at once."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.domain.deal_line import parse_deal_line
from bot.domain.models import Pipeline
from bot.domain.money import AmountError, parse_amount
from bot.i18n import Translator, all_variants
from bot.services import quick_deals
from bot.services.deals import pipelines_for
from handlers.context import Ctx
from handlers.deals import details
from handlers.deals.callbacks import NewDealCb, NewDealStep
from handlers.deals.states import NewDeal
from handlers.deals.views import clients_keyboard, short
from handlers.filters import IsStaff, TypedText
from handlers.keyboards import settle
from handlers.screens import message_of


def kb_button(text: str, cb: NewDealCb) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=cb.pack())


def _ask_screen(
    t: Translator, pipelines: list[Pipeline], chosen: Pipeline, asks: bool
) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [kb_button(short("🔀 " + p.name), NewDealCb(step=NewDealStep.PIPELINE, value=p.id))]
        for p in pipelines
        if p.id != chosen.id
    ]
    pref = t("quick.pref.asked" if asks else "quick.pref.skipped")
    rows.append([kb_button(pref, NewDealCb(step=NewDealStep.PREFERENCE, value=int(not asks)))])
    markup = InlineKeyboardMarkup(inline_keyboard=rows)
    return t("quick.ask", pipeline=html.escape(chosen.name)), markup


async def cmd_new(
    message: Message, ctx: Ctx, state: FSMContext, command: CommandObject | None = None
) -> None:
    pipelines, preferred = await pipelines_for(ctx.uow, ctx.staff)
    if preferred is None:
        await message.answer(ctx.t("new.no_pipelines"))
        return
    await state.clear()
    await state.set_state(NewDeal.client)
    await state.update_data(pipeline_id=preferred)
    if command is not None and command.args:
        await on_line_typed(message, ctx, state, command.args)
        return
    chosen = next(p for p in pipelines if p.id == preferred)
    asks = await quick_deals.asks_details(ctx.uow, ctx.staff)
    text, markup = _ask_screen(ctx.t, pipelines, chosen, asks)
    await message.answer(text, reply_markup=markup)


async def _redraw(query: CallbackQuery, ctx: Ctx, pipeline_id: int, toast: str = "") -> None:
    pipelines, _ = await pipelines_for(ctx.uow, ctx.staff)
    chosen = next((p for p in pipelines if p.id == pipeline_id), None)
    if chosen is None:
        await query.answer(ctx.t("error.pipeline_not_found"), show_alert=True)
        return
    asks = await quick_deals.asks_details(ctx.uow, ctx.staff)
    text, markup = _ask_screen(ctx.t, pipelines, chosen, asks)
    await query.answer(toast)
    await message_of(query).edit_text(text, reply_markup=markup)


async def on_pipeline_chosen(
    query: CallbackQuery, ctx: Ctx, callback_data: NewDealCb, state: FSMContext
) -> None:
    pipelines, _ = await pipelines_for(ctx.uow, ctx.staff)
    if all(p.id != callback_data.value for p in pipelines):
        await query.answer(ctx.t("error.pipeline_not_found"), show_alert=True)
        return
    await state.update_data(pipeline_id=callback_data.value)
    await _redraw(query, ctx, callback_data.value)


async def on_preference(
    query: CallbackQuery, ctx: Ctx, callback_data: NewDealCb, state: FSMContext
) -> None:
    asks = bool(callback_data.value)
    await quick_deals.set_asks_details(ctx.uow, ctx.staff, asks)
    toast = ctx.t("quick.pref.asked_toast" if asks else "quick.pref.skipped_toast")
    await _redraw(query, ctx, (await state.get_data())["pipeline_id"], toast)


async def on_line_typed(message: Message, ctx: Ctx, state: FSMContext, typed: str = "") -> None:
    try:
        line = parse_deal_line(typed or message.text or "")
    except AmountError as error:
        await message.answer(ctx.t(f"amount.{error.reason}"))  # still in the step: retype
        return
    exact, similar = await quick_deals.match_client(ctx.uow, ctx.staff, line.client)
    await state.update_data(
        client_name=line.client, client_id=exact.id if exact else None, amount=line.amount
    )
    if exact is None and similar:
        await state.set_state(NewDeal.client_choice)
        await message.answer(
            ctx.t("new.client_matches"), reply_markup=clients_keyboard(ctx.t, similar, line.client)
        )
        return
    await _after_client(message, ctx, state)


async def on_client_chosen(
    query: CallbackQuery, ctx: Ctx, callback_data: NewDealCb, state: FSMContext
) -> None:
    await state.update_data(client_id=callback_data.value or None)
    await query.answer()
    await settle(query)
    await _after_client(message_of(query), ctx, state)


async def _after_client(message: Message, ctx: Ctx, state: FSMContext) -> None:
    if (await state.get_data()).get("amount") is not None:
        await details.go_on(message, ctx, state)
        return
    await state.set_state(NewDeal.amount)
    skip = InlineKeyboardMarkup(
        inline_keyboard=[[kb_button(ctx.t("btn.skip"), NewDealCb(step=NewDealStep.SKIP_AMOUNT))]]
    )
    await message.answer(ctx.t("new.ask_amount"), reply_markup=skip)


async def on_amount_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    try:
        amount = parse_amount(message.text or "")
    except AmountError as error:
        await message.answer(ctx.t(f"amount.{error.reason}"))
        return
    await state.update_data(amount=amount)
    await details.go_on(message, ctx, state)


async def on_amount_skipped(query: CallbackQuery, ctx: Ctx, state: FSMContext) -> None:
    await query.answer()
    await settle(query)
    await details.go_on(message_of(query), ctx, state)


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="new_deal")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.message(F.text.in_(all_variants("menu.new_deal")))(cmd_new)
    router.message(Command("new"))(cmd_new)
    router.callback_query(NewDeal.client, NewDealCb.filter(F.step == NewDealStep.PIPELINE))(
        on_pipeline_chosen
    )
    router.callback_query(NewDeal.client, NewDealCb.filter(F.step == NewDealStep.PREFERENCE))(
        on_preference
    )
    router.message(StateFilter(NewDeal.client, NewDeal.client_choice), TypedText())(on_line_typed)
    router.callback_query(NewDeal.client_choice, NewDealCb.filter(F.step == NewDealStep.CLIENT))(
        on_client_chosen
    )
    router.message(NewDeal.amount, TypedText())(on_amount_typed)
    router.callback_query(NewDeal.amount, NewDealCb.filter(F.step == NewDealStep.SKIP_AMOUNT))(
        on_amount_skipped
    )
    details.register(router)
    return router
