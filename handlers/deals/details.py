"""The optional step of a new deal: channel by a button, product typed, "create now"; or no
step at all for a seller who chose so. Then the deal, its card and the next-step prompt."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.domain.errors import StaleButtonError
from bot.domain.ids import ClientId, PipelineId
from bot.domain.models import Channel, NewDealInput
from bot.domain.text import PRODUCT_MAX, clean_text
from bot.services import quick_deals
from bot.services.deals import create_deal, pipelines_for
from handlers.context import Ctx
from handlers.deals.callbacks import NewDealCb, NewDealStep
from handlers.deals.states import NewDeal
from handlers.deals.views import amount_text, card_keyboard, card_text
from handlers.filters import TypedText
from handlers.keyboards import main_menu, rows_of
from handlers.screens import message_of
from handlers.tasks.next_step import ask_next_step

CHANNELS = list(Channel)


def _button(text: str, step: NewDealStep, value: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=NewDealCb(step=step, value=value).pack())


async def _screen(ctx: Ctx, data: dict[str, object]) -> tuple[str, InlineKeyboardMarkup]:
    pipelines, _ = await pipelines_for(ctx.uow, ctx.staff)
    pipeline = next((p.name for p in pipelines if p.id == data["pipeline_id"]), "—")
    amount = data.get("amount")
    text = ctx.t(
        "quick.details",
        client=html.escape(str(data["client_name"])),
        amount=amount_text(ctx.t, amount if isinstance(amount, int) else None),
        pipeline=html.escape(pipeline),
    )
    channels = []
    for index, channel in enumerate(CHANNELS):
        mark = "✓ " if data.get("channel") == channel.value else ""
        channels.append(
            _button(mark + ctx.t(f"channel.{channel.value}"), NewDealStep.CHANNEL, index)
        )
    rows = rows_of(channels, 2)
    rows.append([_button(ctx.t("quick.btn.create"), NewDealStep.CREATE)])
    rows.append([_button(ctx.t("quick.btn.never"), NewDealStep.NEVER)])
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


async def go_on(message: Message, ctx: Ctx, state: FSMContext) -> None:
    """Client and amount known: the optional step, or the deal at once as the seller chose."""
    if not await quick_deals.asks_details(ctx.uow, ctx.staff):
        await _finish(message, ctx, state)
        return
    await state.set_state(NewDeal.details)
    text, markup = await _screen(ctx, await state.get_data())
    await message.answer(text, reply_markup=markup)


async def on_channel(
    query: CallbackQuery, ctx: Ctx, callback_data: NewDealCb, state: FSMContext
) -> None:
    if not 0 <= callback_data.value < len(CHANNELS):
        await query.answer(ctx.t("error.stale_button"), show_alert=True)
        return
    channel = CHANNELS[callback_data.value]
    await state.update_data(channel=channel.value)
    text, markup = await _screen(ctx, await state.get_data())
    await query.answer(ctx.t("quick.channel_toast", channel=ctx.t(f"channel.{channel.value}")))
    await message_of(query).edit_text(text, reply_markup=markup)


async def on_product_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    await state.update_data(product=clean_text(message.text, PRODUCT_MAX))
    await _finish(message, ctx, state)


async def on_create(query: CallbackQuery, ctx: Ctx, state: FSMContext) -> None:
    await query.answer()
    await _close_step(query)
    await _finish(message_of(query), ctx, state)


async def on_never(query: CallbackQuery, ctx: Ctx, state: FSMContext) -> None:
    await quick_deals.set_asks_details(ctx.uow, ctx.staff, asks=False)
    await query.answer(ctx.t("quick.pref.skipped_toast"))
    await _close_step(query)
    await _finish(message_of(query), ctx, state)


async def _close_step(query: CallbackQuery) -> None:
    await message_of(query).edit_reply_markup(reply_markup=None)


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
    await ask_next_step(message, ctx, state, view.deal.id, view.deal.title)


def register(router: Router) -> None:
    """The step's handlers, on the new-deal router."""
    step = NewDealCb.filter
    router.callback_query(NewDeal.details, step(F.step == NewDealStep.CHANNEL))(on_channel)
    router.callback_query(NewDeal.details, step(F.step == NewDealStep.CREATE))(on_create)
    router.callback_query(NewDeal.details, step(F.step == NewDealStep.NEVER))(on_never)
    router.message(NewDeal.details, TypedText())(on_product_typed)
