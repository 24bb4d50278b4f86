"""✏️ on the deal card: choose a field, type its value (or press it), see the card updated.

Every button carries the deal's version the card showed, so a deal moved meanwhile is not
edited from an outdated screen; a typed value that does not parse is asked for again."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain.deal_fields import FIELDS, DealField, FieldInputError, FieldKind, FieldValue
from bot.domain.errors import StaleActionError
from bot.domain.ids import DealId
from bot.services import deals
from handlers import screens
from handlers.context import Ctx
from handlers.deals.callbacks import CLEAR, DealEditCb, DealFieldCb, DealValueCb
from handlers.deals.card import input_step
from handlers.deals.edit_views import ask_text, fields_keyboard, value_keyboard
from handlers.deals.states import EditDeal
from handlers.deals.views import card_screen, card_text
from handlers.filters import IsStaff, TypedText
from handlers.screens import message_of


async def _current(
    query: CallbackQuery, ctx: Ctx, deal_id: int, version: int
) -> deals.DealView | None:
    """The deal if the card pressed is still its latest; else the card as it is now, and why."""
    view = await deals.open_deal(ctx.uow, ctx.staff, DealId(deal_id), ctx.now)
    if not view.deal.is_open:
        await screens.show(
            query, card_screen(ctx.t, view, ctx.tz), ctx.t("error.deal_closed"), show_alert=True
        )
        return None
    if view.deal.version != version:
        await screens.show(
            query, card_screen(ctx.t, view, ctx.tz), ctx.t("error.stale_action"), show_alert=True
        )
        return None
    return view


async def on_edit(
    query: CallbackQuery, ctx: Ctx, callback_data: DealEditCb, state: FSMContext
) -> None:
    await state.clear()  # back from a question left unanswered
    view = await _current(query, ctx, callback_data.deal_id, callback_data.version)
    if view is None:
        return
    text = card_text(ctx.t, view, ctx.tz) + "\n\n" + ctx.t("edit.choose_field")
    await screens.show(query, (text, fields_keyboard(ctx.t, view)))


async def on_field(
    query: CallbackQuery, ctx: Ctx, callback_data: DealFieldCb, state: FSMContext
) -> None:
    view = await _current(query, ctx, callback_data.deal_id, callback_data.version)
    if view is None:
        return
    field = FIELDS[callback_data.field]
    screen = (ask_text(ctx.t, field, view, ctx.tz), value_keyboard(ctx.t, field, view))
    if field.kind is FieldKind.CHOICE:
        await screens.show(query, screen)
        return
    await state.set_state(EditDeal.value)
    await state.update_data(deal_id=view.deal.id, version=view.deal.version, field=field.name)
    await query.answer()
    await message_of(query).answer(screen[0], reply_markup=screen[1])


async def on_value_pressed(
    query: CallbackQuery, ctx: Ctx, callback_data: DealValueCb, state: FSMContext
) -> None:
    field = FIELDS[callback_data.field]
    try:
        value = _pressed(field, callback_data.choice)
    except FieldInputError as error:
        await query.answer(ctx.t(error.key), show_alert=True)
        return
    await state.clear()
    deal_id = DealId(callback_data.deal_id)
    try:
        view, changed = await deals.edit_deal(
            ctx.uow, ctx.staff, deal_id, field, value, callback_data.version, ctx.now
        )
    except StaleActionError:
        view = await deals.open_deal(ctx.uow, ctx.staff, deal_id, ctx.now)
        await screens.show(
            query, card_screen(ctx.t, view, ctx.tz), ctx.t("error.stale_action"), show_alert=True
        )
        return
    await screens.show(query, card_screen(ctx.t, view, ctx.tz), _saved(ctx, field, changed))


def _pressed(field: DealField, choice: int) -> FieldValue:
    if choice != CLEAR:
        return field.choice(choice)
    if not field.clearable:
        raise FieldInputError("edit.choose")  # a forged "clear" of the title
    return None


def _saved(ctx: Ctx, field: DealField, changed: bool) -> str:
    if not changed:
        return ctx.t("edit.unchanged")
    return ctx.t("edit.saved", field=ctx.t(f"field.{field.name.value}"))


async def on_value_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    data = await state.get_data()
    field = FIELDS[data["field"]]
    try:
        value = field.parse(message.text or "", ctx.now, ctx.tz)
    except FieldInputError as error:
        await message.answer(ctx.t(error.key))  # still in the step: the seller types again
        return
    deal_id = DealId(data["deal_id"])
    try:
        async with input_step(state):
            view, changed = await deals.edit_deal(
                ctx.uow, ctx.staff, deal_id, field, value, data["version"], ctx.now
            )
    except StaleActionError:
        view = await deals.open_deal(ctx.uow, ctx.staff, deal_id, ctx.now)
        await message.answer(ctx.t("error.stale_action"))
    else:
        await message.answer(_saved(ctx, field, changed))
    text, markup = card_screen(ctx.t, view, ctx.tz)
    await message.answer(text, reply_markup=markup)


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="deal_edit")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query(DealEditCb.filter())(on_edit)
    router.callback_query(DealFieldCb.filter())(on_field)
    router.callback_query(DealValueCb.filter())(on_value_pressed)
    router.message(EditDeal.value, TypedText())(on_value_typed)
    return router
