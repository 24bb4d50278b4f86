"""`/plan` screens: the month, a seller's revenue and counts, copy last month; and the router."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain.errors import StaleButtonError
from bot.domain.ids import UserId
from bot.domain.models import User
from bot.domain.money import AmountError, parse_amount
from bot.domain.plans import (
    MAX_COUNT,
    MAX_REVENUE,
    CountError,
    Plan,
    month_from_index,
    parse_count,
)
from bot.services import plans
from handlers.context import Ctx
from handlers.filters import IsManager, TypedText
from handlers.keyboards import settle
from handlers.plans.callbacks import PlanAction, PlanCb, PlanField
from handlers.plans.screen import show_month, this_month
from handlers.plans.states import PlanEdit, PlanImport
from handlers.plans.upload import on_document, on_import, on_import_text
from handlers.plans.views import (
    COUNT_FIELDS,
    ask_count,
    ask_revenue,
    copied_text,
    saved_view,
)
from handlers.screens import message_of


async def cmd_plan(message: Message, ctx: Ctx) -> None:
    current = this_month(ctx.now, ctx.tz)
    await show_month(message, ctx, current, current)


async def on_month(query: CallbackQuery, ctx: Ctx, callback_data: PlanCb) -> None:
    month = month_from_index(callback_data.month)
    await show_month(message_of(query), ctx, month, this_month(ctx.now, ctx.tz), edit=True)
    await query.answer()


async def on_seller(
    query: CallbackQuery, ctx: Ctx, callback_data: PlanCb, state: FSMContext
) -> None:
    month = month_from_index(callback_data.month)
    seller_id = UserId(callback_data.seller_id)
    seller, plan = await plans.seller_plan(
        ctx.uow, ctx.staff, seller_id, month, this_month(ctx.now, ctx.tz)
    )
    await state.set_state(PlanEdit.revenue)
    await state.set_data({"seller_id": seller.id, "month": callback_data.month})
    await query.answer()
    await message_of(query).answer(ask_revenue(ctx.t, seller, plan, month, ctx.company.currency))


async def _editing(state: FSMContext) -> tuple[UserId, date]:
    data = await state.get_data()
    return UserId(int(data["seller_id"])), month_from_index(int(data["month"]))


async def on_revenue(message: Message, ctx: Ctx, state: FSMContext) -> None:
    try:
        revenue = parse_amount(message.text or "")
    except AmountError as error:
        await message.answer(ctx.t(f"amount.{error.reason}"))
        return
    if revenue > MAX_REVENUE:
        await message.answer(ctx.t("plan.too_large"))
        return
    seller_id, month = await _editing(state)
    current = this_month(ctx.now, ctx.tz)
    seller, before = await plans.seller_plan(ctx.uow, ctx.staff, seller_id, month, current)
    extras = (before.won_deals, before.meetings, before.proposals) if before else ()
    target = plans.plan_of(seller.id, month, revenue, *extras)
    plan = await plans.set_plan(ctx.uow, ctx.staff, target, current, ctx.now)
    await _saved(message, ctx, state, seller, plan)


async def _saved(message: Message, ctx: Ctx, state: FSMContext, seller: User, plan: Plan) -> None:
    """The stored plan, with the optional counts offered under it as the next step."""
    await state.set_state(PlanEdit.extras)
    text, markup = saved_view(ctx.t, seller, plan, ctx.company.currency)
    await message.answer(text, reply_markup=markup)


async def on_count_chosen(
    query: CallbackQuery, ctx: Ctx, callback_data: PlanCb, state: FSMContext
) -> None:
    month = month_from_index(callback_data.month)
    seller_id = UserId(callback_data.seller_id)
    _, plan = await plans.seller_plan(
        ctx.uow, ctx.staff, seller_id, month, this_month(ctx.now, ctx.tz)
    )
    if plan is None or callback_data.field is PlanField.NONE:
        raise StaleButtonError()
    await state.set_state(PlanEdit.count)
    await state.set_data(
        {"seller_id": seller_id, "month": callback_data.month, "field": callback_data.field}
    )
    await query.answer()
    await settle(query)
    await message_of(query).answer(ask_count(ctx.t, callback_data.field, month))


async def on_count(message: Message, ctx: Ctx, state: FSMContext) -> None:
    try:
        count = parse_count(message.text or "")
    except CountError:
        await message.answer(ctx.t("plan.count_invalid", max=MAX_COUNT))
        return
    seller_id, month = await _editing(state)
    field = PlanField(str((await state.get_data())["field"]))
    current = this_month(ctx.now, ctx.tz)
    seller, before = await plans.seller_plan(ctx.uow, ctx.staff, seller_id, month, current)
    if before is None:
        await state.clear()
        raise StaleButtonError()
    counts = [before.won_deals, before.meetings, before.proposals]
    counts[list(COUNT_FIELDS).index(field)] = count
    target = plans.plan_of(seller.id, month, before.revenue, *counts)
    plan = await plans.set_plan(ctx.uow, ctx.staff, target, current, ctx.now)
    await _saved(message, ctx, state, seller, plan)


async def on_done(query: CallbackQuery, ctx: Ctx, callback_data: PlanCb, state: FSMContext) -> None:
    month = month_from_index(callback_data.month)
    await state.clear()
    await query.answer()
    await settle(query)
    await show_month(message_of(query), ctx, month, this_month(ctx.now, ctx.tz))


async def on_copy(query: CallbackQuery, ctx: Ctx, callback_data: PlanCb) -> None:
    month, current = month_from_index(callback_data.month), this_month(ctx.now, ctx.tz)
    result = await plans.copy_last_month(ctx.uow, ctx.staff, month, current, ctx.now)
    await query.answer()
    message = message_of(query)
    await message.answer(copied_text(ctx.t, result, month))
    if result.copied:
        await show_month(message, ctx, month, current, edit=True)


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="plans")
    router.message.filter(IsManager())
    router.callback_query.filter(IsManager())
    router.message(Command("plan"), F.document)(on_document)
    router.message(Command("plan"))(cmd_plan)
    router.message(PlanImport.file, F.document)(on_document)
    router.message(PlanImport.file, TypedText())(on_import_text)
    router.message(PlanEdit.revenue, TypedText())(on_revenue)
    router.message(PlanEdit.count, TypedText())(on_count)
    for action, handler in (
        (PlanAction.MONTH, on_month),
        (PlanAction.SELLER, on_seller),
        (PlanAction.COUNT, on_count_chosen),
        (PlanAction.DONE, on_done),
        (PlanAction.COPY, on_copy),
        (PlanAction.IMPORT, on_import),
    ):
        router.callback_query(PlanCb.filter(F.action == action))(handler)
    return router
