"""`/new`: pipeline (usual one preselected) → client → amount → channel → product → the card."""

from __future__ import annotations

import html
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.errors import StaleButtonError
from bot.domain.ids import ClientId, PipelineId
from bot.domain.models import Channel, NewDealInput
from bot.domain.money import AmountError, parse_amount
from bot.domain.text import CLIENT_NAME_MAX, PRODUCT_MAX, clean_text
from bot.i18n import all_variants
from bot.services.deals import create_deal, pipelines_for, suggest_clients
from handlers.context import Ctx
from handlers.deals.callbacks import NewDealCb, NewDealStep
from handlers.deals.states import NewDeal
from handlers.deals.views import card_keyboard, card_text, clients_keyboard, short
from handlers.filters import IsStaff, TypedText
from handlers.keyboards import main_menu, settle
from handlers.screens import message_of
from handlers.tasks.views import next_step_prompt

CHANNELS = list(Channel)


def _kb(*rows: list[tuple[str, NewDealCb]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for row in rows:
        kb.row(*(kb_button(text, cb) for text, cb in row))
    return kb.as_markup()


def kb_button(text: str, cb: NewDealCb) -> Any:
    from aiogram.types import InlineKeyboardButton

    return InlineKeyboardButton(text=text, callback_data=cb.pack())


async def cmd_new(message: Message, ctx: Ctx, state: FSMContext) -> None:
    pipelines, preferred = await pipelines_for(ctx.uow, ctx.staff)
    if preferred is None:
        await message.answer(ctx.t("new.no_pipelines"))
        return
    await state.clear()
    await state.set_state(NewDeal.client)
    await state.update_data(pipeline_id=preferred)
    chosen = next(p for p in pipelines if p.id == preferred)
    others = [
        [(short("🔀 " + p.name), NewDealCb(step=NewDealStep.PIPELINE, value=p.id))]
        for p in pipelines
        if p.id != preferred
    ]
    await message.answer(
        ctx.t("new.ask_client", pipeline=html.escape(chosen.name)), reply_markup=_kb(*others)
    )


async def on_pipeline_chosen(
    query: CallbackQuery, ctx: Ctx, callback_data: NewDealCb, state: FSMContext
) -> None:
    pipelines, _ = await pipelines_for(ctx.uow, ctx.staff)
    chosen = next((p for p in pipelines if p.id == callback_data.value), None)
    if chosen is None:
        await query.answer(ctx.t("error.pipeline_not_found"), show_alert=True)
        return
    await state.update_data(pipeline_id=chosen.id)
    others = [
        [(short("🔀 " + p.name), NewDealCb(step=NewDealStep.PIPELINE, value=p.id))]
        for p in pipelines
        if p.id != chosen.id
    ]
    await query.answer()
    await message_of(query).edit_text(
        ctx.t("new.ask_client", pipeline=html.escape(chosen.name)), reply_markup=_kb(*others)
    )


async def on_client_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    name = clean_text(message.text, CLIENT_NAME_MAX)
    matches = await suggest_clients(ctx.uow, ctx.staff, name)
    await state.update_data(client_name=name, client_id=None)
    if not matches:
        await _ask_amount(message, ctx, state)
        return
    await state.set_state(NewDeal.client_choice)
    await message.answer(
        ctx.t("new.client_matches"), reply_markup=clients_keyboard(ctx.t, matches, name)
    )


async def on_client_chosen(
    query: CallbackQuery, ctx: Ctx, callback_data: NewDealCb, state: FSMContext
) -> None:
    await state.update_data(client_id=callback_data.value or None)
    await query.answer()
    await settle(query)
    await _ask_amount(message_of(query), ctx, state)


async def _ask_amount(message: Message, ctx: Ctx, state: FSMContext) -> None:
    await state.set_state(NewDeal.amount)
    skip = _kb([(ctx.t("btn.skip"), NewDealCb(step=NewDealStep.SKIP_AMOUNT))])
    await message.answer(ctx.t("new.ask_amount"), reply_markup=skip)


async def on_amount_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    try:
        amount = parse_amount(message.text or "")
    except AmountError as error:
        await message.answer(ctx.t(f"amount.{error.reason}"))
        return
    await state.update_data(amount=amount)
    await _ask_channel(message, ctx, state)


async def on_amount_skipped(query: CallbackQuery, ctx: Ctx, state: FSMContext) -> None:
    await query.answer()
    await settle(query)
    await _ask_channel(message_of(query), ctx, state)


async def _ask_channel(message: Message, ctx: Ctx, state: FSMContext) -> None:
    await state.set_state(NewDeal.channel)
    kb = InlineKeyboardBuilder()
    for index, channel in enumerate(CHANNELS):
        kb.button(
            text=ctx.t(f"channel.{channel.value}"),
            callback_data=NewDealCb(step=NewDealStep.CHANNEL, value=index),
        )
    kb.adjust(2)
    kb.row(kb_button(ctx.t("btn.skip"), NewDealCb(step=NewDealStep.CHANNEL, value=-1)))
    await message.answer(ctx.t("new.ask_channel"), reply_markup=kb.as_markup())


async def on_channel_chosen(
    query: CallbackQuery, ctx: Ctx, callback_data: NewDealCb, state: FSMContext
) -> None:
    if not -1 <= callback_data.value < len(CHANNELS):
        await query.answer(ctx.t("error.stale_button"), show_alert=True)
        return
    channel = CHANNELS[callback_data.value].value if callback_data.value >= 0 else None
    await state.update_data(channel=channel)
    await state.set_state(NewDeal.product)
    await query.answer()
    await settle(query)
    skip = _kb([(ctx.t("btn.skip"), NewDealCb(step=NewDealStep.SKIP_PRODUCT))])
    await message_of(query).answer(ctx.t("new.ask_product"), reply_markup=skip)


async def on_product_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    await state.update_data(product=clean_text(message.text, PRODUCT_MAX))
    await _finish(message, ctx, state)


async def on_product_skipped(query: CallbackQuery, ctx: Ctx, state: FSMContext) -> None:
    await query.answer()
    await settle(query)
    await _finish(message_of(query), ctx, state)


async def _finish(message: Message, ctx: Ctx, state: FSMContext) -> None:
    data = await state.get_data()
    await state.clear()  # before the write: a double press cannot create the deal twice
    if "pipeline_id" not in data or "client_name" not in data:
        raise StaleButtonError()  # the second of two quick presses: the step is over
    channel = data.get("channel")
    view = await create_deal(
        ctx.uow,
        ctx.staff,
        NewDealInput(
            pipeline_id=PipelineId(data["pipeline_id"]),
            client_name=data["client_name"],
            client_id=ClientId(data["client_id"]) if data.get("client_id") else None,
            amount=data.get("amount"),
            channel=Channel(channel) if channel else None,
            product=data.get("product"),
        ),
        ctx.now,
    )
    await message.answer(ctx.t("new.created"), reply_markup=main_menu(ctx.t))
    await message.answer(card_text(ctx.t, view, ctx.tz), reply_markup=card_keyboard(ctx.t, view))
    text, markup = next_step_prompt(ctx.t, view.deal.id, view.deal.title, ctx.now, ctx.tz)
    await message.answer(text, reply_markup=markup)


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
    router.message(StateFilter(NewDeal.client, NewDeal.client_choice), TypedText())(on_client_typed)
    router.callback_query(NewDeal.client_choice, NewDealCb.filter(F.step == NewDealStep.CLIENT))(
        on_client_chosen
    )
    router.message(NewDeal.amount, TypedText())(on_amount_typed)
    router.callback_query(NewDeal.amount, NewDealCb.filter(F.step == NewDealStep.SKIP_AMOUNT))(
        on_amount_skipped
    )
    router.callback_query(NewDeal.channel, NewDealCb.filter(F.step == NewDealStep.CHANNEL))(
        on_channel_chosen
    )
    router.message(NewDeal.product, TypedText())(on_product_typed)
    router.callback_query(NewDeal.product, NewDealCb.filter(F.step == NewDealStep.SKIP_PRODUCT))(
        on_product_skipped
    )
    return router
