"""✏️ → the deal's client (rename it, or move the deal to another client) and its contact
person (one of the client's, a typed name and phone, or a shared Telegram contact card).

Every button carries the version of the deal the card showed, as the other edits do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain.contacts import ContactInput, parse_contact
from bot.domain.errors import StaleActionError
from bot.domain.ids import ClientId, DealId
from bot.services import contacts, deals
from handlers import screens
from handlers.context import Ctx
from handlers.deals.card import input_step
from handlers.deals.inbox_parse import shared_contact
from handlers.deals.inbox_types import (
    ClientPickCb,
    ContactPickCb,
    DealPeopleCb,
    EditPeople,
    Person,
)
from handlers.deals.people_views import (
    ask_client,
    ask_contact,
    clients_offered,
    saved_text,
)
from handlers.deals.views import card_screen
from handlers.filters import IsStaff, TypedText
from handlers.screens import message_of


async def _stale(query: CallbackQuery, ctx: Ctx, deal_id: int) -> None:
    view = await deals.open_deal(ctx.uow, ctx.staff, DealId(deal_id), ctx.now)
    await screens.show(
        query, card_screen(ctx.t, view, ctx.tz), ctx.t("error.stale_action"), show_alert=True
    )


async def on_people(
    query: CallbackQuery, ctx: Ctx, callback_data: DealPeopleCb, state: FSMContext
) -> None:
    deal_id, version = DealId(callback_data.deal_id), callback_data.version
    try:
        view, people = await contacts.deal_contacts(ctx.uow, ctx.staff, deal_id, version, ctx.now)
    except StaleActionError:
        await _stale(query, ctx, deal_id)
        return
    if callback_data.who is Person.CLIENT:
        text, markup = ask_client(ctx.t, view.deal)
        step = EditPeople.client
    else:
        text, markup = ask_contact(ctx.t, view.deal, people)
        step = EditPeople.contact
    await state.set_state(step)
    await state.update_data(deal_id=deal_id, version=version)
    await query.answer()
    await message_of(query).answer(text, reply_markup=markup)


async def on_client_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    """A name typed: rename the client at once, unless other clients have such a name."""
    data = await state.get_data()
    deal_id, version = DealId(data["deal_id"]), data["version"]
    name, others = await contacts.other_clients(
        ctx.uow, ctx.staff, deal_id, message.text or "", version
    )
    if others:
        await state.update_data(name=name)
        view = await deals.open_deal(ctx.uow, ctx.staff, deal_id, ctx.now)
        text, markup = clients_offered(ctx.t, view.deal, name, others)
        await message.answer(text, reply_markup=markup)
        return
    await _save_typed(
        message,
        ctx,
        state,
        deal_id,
        contacts.CLIENT,
        lambda: contacts.rename_client(ctx.uow, ctx.staff, deal_id, name, version, ctx.now),
    )


Edit = Callable[[], Awaitable[tuple[deals.DealView, bool]]]


async def _save_typed(
    message: Message, ctx: Ctx, state: FSMContext, deal_id: DealId, field: str, edit: Edit
) -> None:
    """Run an edit typed in a step: leave the step, say what happened, show the card."""
    try:
        async with input_step(state):
            view, changed = await edit()
    except StaleActionError:
        view = await deals.open_deal(ctx.uow, ctx.staff, deal_id, ctx.now)
        await message.answer(ctx.t("error.stale_action"))
    else:
        await message.answer(saved_text(ctx.t, field, changed))
    text, markup = card_screen(ctx.t, view, ctx.tz)
    await message.answer(text, reply_markup=markup)


async def on_client_picked(
    query: CallbackQuery, ctx: Ctx, callback_data: ClientPickCb, state: FSMContext
) -> None:
    deal_id, version = DealId(callback_data.deal_id), callback_data.version
    try:
        if callback_data.client_id:
            view, changed = await contacts.relink_client(
                ctx.uow, ctx.staff, deal_id, ClientId(callback_data.client_id), version, ctx.now
            )
        else:
            name = (await state.get_data()).get("name")
            if await state.get_state() != EditPeople.client.state or not name:
                await query.answer(ctx.t("error.stale_button"), show_alert=True)
                return
            view, changed = await contacts.rename_client(
                ctx.uow, ctx.staff, deal_id, name, version, ctx.now
            )
    except StaleActionError:
        await state.clear()
        await _stale(query, ctx, deal_id)
        return
    await state.clear()
    await screens.show(
        query, card_screen(ctx.t, view, ctx.tz), saved_text(ctx.t, contacts.CLIENT, changed)
    )


async def on_contact_picked(
    query: CallbackQuery, ctx: Ctx, callback_data: ContactPickCb, state: FSMContext
) -> None:
    deal_id = DealId(callback_data.deal_id)
    try:
        view, changed = await contacts.choose_contact(
            ctx.uow,
            ctx.staff,
            deal_id,
            callback_data.contact_id or None,
            callback_data.version,
            ctx.now,
        )
    except StaleActionError:
        await state.clear()
        await _stale(query, ctx, deal_id)
        return
    await state.clear()
    await screens.show(
        query, card_screen(ctx.t, view, ctx.tz), saved_text(ctx.t, contacts.CONTACT, changed)
    )


async def on_contact_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    who = parse_contact(message.text or "")  # bad text: answered, still in the step
    await _add_contact(message, ctx, state, who)


async def on_contact_card(message: Message, ctx: Ctx, state: FSMContext) -> None:
    who = shared_contact(message)  # the seller's own card: answered, still in the step
    await _add_contact(message, ctx, state, who)


async def _add_contact(message: Message, ctx: Ctx, state: FSMContext, who: ContactInput) -> None:
    data = await state.get_data()
    deal_id, version = DealId(data["deal_id"]), data["version"]
    await _save_typed(
        message,
        ctx,
        state,
        deal_id,
        contacts.CONTACT,
        lambda: contacts.add_contact(ctx.uow, ctx.staff, deal_id, who, version, ctx.now),
    )


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="deal_people")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query(DealPeopleCb.filter())(on_people)
    router.callback_query(ClientPickCb.filter())(on_client_picked)
    router.callback_query(ContactPickCb.filter())(on_contact_picked)
    router.message(EditPeople.client, TypedText())(on_client_typed)
    router.message(EditPeople.contact, TypedText())(on_contact_typed)
    router.message(EditPeople.contact, F.contact)(on_contact_card)
    return router
