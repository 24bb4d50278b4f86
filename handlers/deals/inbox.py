"""What a seller brings into a deal from Telegram, outside any step:

- a client's message forwarded to the bot: offered to the author's open deals first (by
  account, username or name), to another open deal, or to a new deal with the author;
- a shared contact card: the same, to make the person a deal's contact;
- a voice note, photo, video or document: to a deal chosen, or straight to the deal whose
  card's 📎 was pressed.

Each handler is for its kind of message only (a forward, a contact, a file), so plain text
typed outside a step stays free for the search. What waits for the seller's choice is kept
in the conversation's storage beside the step (its own `destiny`), by the message's id, so
leaving a step or opening a card meanwhile does not lose it, and several forwards in a row
each keep their own buttons."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.domain.contacts import ContactInput
from bot.domain.errors import EmptyTextError
from bot.domain.ids import ClientId, DealId, TelegramId
from bot.domain.inbox import Attachment, FileKind, Forwarded, size_text_mb
from bot.services import contacts, deals, inbox
from handlers import screens
from handlers.context import Ctx
from handlers.deals.inbox_parse import attachment_of, forwarded, shared_contact
from handlers.deals.inbox_types import AttachCb, AttachFiles, FileCb, InboxCb, InboxClientCb
from handlers.deals.inbox_views import (
    clients_keyboard,
    deals_keyboard,
    file_label,
    open_card_button,
    when_text,
)
from handlers.deals.people_views import saved_text
from handlers.deals.views import card_screen
from handlers.filters import IsStaff
from handlers.screens import message_of

KEPT = 20  # items waiting for a choice; an older one is answered as gone
BIG_FILE = 20 * 1024 * 1024  # what a bot could not download: said, though it is kept
FILES = F.voice | F.photo | F.document | F.video | F.audio | F.video_note


def _pending(state: FSMContext) -> FSMContext:
    """The conversation's storage beside its step: `state.clear()` leaves it alone."""
    return FSMContext(state.storage, dataclasses.replace(state.key, destiny="inbox"))


async def _keep(state: FSMContext, item: int, data: dict[str, Any]) -> None:
    store = _pending(state)
    items = dict((await store.get_data()).get("items", {}))
    items[str(item)] = data
    await store.update_data(items=dict(list(items.items())[-KEPT:]))


async def _take(state: FSMContext, item: int) -> dict[str, Any] | None:
    items = (await _pending(state).get_data()).get("items", {})
    found: dict[str, Any] | None = items.get(str(item))
    return found


async def _drop(state: FSMContext, item: int) -> None:
    store = _pending(state)
    items = dict((await store.get_data()).get("items", {}))
    items.pop(str(item), None)
    await store.update_data(items=items)


def _who_data(who: ContactInput) -> dict[str, Any]:
    return {"name": who.name, "phone": who.phone, "username": who.username, "tg_id": who.tg_id}


def _who(data: dict[str, Any]) -> ContactInput:
    tg_id = data.get("tg_id")
    return ContactInput(
        name=data["name"],
        phone=data.get("phone"),
        username=data.get("username"),
        tg_id=TelegramId(tg_id) if tg_id else None,
    )


def _file_data(attachment: Attachment | None) -> dict[str, Any] | None:
    return dataclasses.asdict(attachment) if attachment else None


def _file(data: dict[str, Any] | None) -> Attachment | None:
    if not data:
        return None
    return Attachment(**(data | {"kind": FileKind(data["kind"])}))


async def on_forward(message: Message, ctx: Ctx, state: FSMContext) -> None:
    fwd = forwarded(message)
    attachment = attachment_of(message)
    if not fwd.text.strip() and attachment is None:
        await message.answer(ctx.t("inbox.empty"))
        return
    await _keep(
        state,
        message.message_id,
        {
            "kind": "forward",
            "who": _who_data(fwd.who),
            "at": fwd.at.isoformat(),
            "text": fwd.text,
            "hidden": fwd.hidden,
            "file": _file_data(attachment),
        },
    )
    named = bool(fwd.who.name.strip())
    choice = await inbox.deals_to_offer(ctx.uow, ctx.staff, fwd.who if named else None)
    if named:
        text = ctx.t("inbox.forward_where", name=fwd.who.name, at=when_text(fwd.at, ctx.tz))
        if fwd.hidden:
            text += "\n" + ctx.t("inbox.forward_hidden")
    else:
        text = ctx.t("inbox.forward_nameless")
    markup = deals_keyboard(ctx.t, message.message_id, choice, new_deal=named)
    await message.answer(text, reply_markup=markup)


async def on_contact(message: Message, ctx: Ctx, state: FSMContext) -> None:
    who = shared_contact(message)  # the seller's own card is refused here
    deal_id = _replied_deal(message)
    if deal_id is not None:  # a reply to the deal's card: its contact person at once
        view, changed = await contacts.add_contact(ctx.uow, ctx.staff, deal_id, who, None, ctx.now)
        await message.answer(saved_text(ctx.t, contacts.CONTACT, changed))
        text, markup = card_screen(ctx.t, view, ctx.tz)
        await message.answer(text, reply_markup=markup)
        return
    await _keep(state, message.message_id, {"kind": "contact", "who": _who_data(who)})
    choice = await inbox.deals_to_offer(ctx.uow, ctx.staff, who)
    label = who.name + (f" · {who.phone}" if who.phone and who.phone != who.name else "")
    markup = deals_keyboard(ctx.t, message.message_id, choice, new_deal=True)
    await message.answer(ctx.t("inbox.contact_where", contact=label), reply_markup=markup)


def _replied_deal(message: Message) -> DealId | None:
    """The deal whose card this message answers (Telegram's reply): its 📎 button names it."""
    markup = message.reply_to_message.reply_markup if message.reply_to_message else None
    for row in markup.inline_keyboard if markup else []:
        for button in row:
            data = button.callback_data or ""
            if data.startswith(AttachCb.__prefix__ + ":"):
                with contextlib.suppress(ValueError, TypeError):
                    return DealId(AttachCb.unpack(data).deal_id)
    return None


async def on_file(message: Message, ctx: Ctx, state: FSMContext) -> None:
    attachment = attachment_of(message)
    assert attachment is not None, "routed here by FILES"
    deal_id = _replied_deal(message)
    if deal_id is not None:  # a reply to the deal's card: straight to it
        view = await inbox.add_file(
            ctx.uow, ctx.staff, deal_id, attachment, message.caption, ctx.now
        )
        markup = open_card_button(ctx.t, view.deal)
        await message.answer(_saved_file(ctx, attachment), reply_markup=markup)
        return
    file = {"kind": "file", "file": _file_data(attachment), "text": message.caption}
    await _keep(state, message.message_id, file)
    choice = await inbox.deals_to_offer(ctx.uow, ctx.staff, None)
    if not choice.others:
        await message.answer(ctx.t("inbox.no_deals"))
        return
    markup = deals_keyboard(ctx.t, message.message_id, choice, new_deal=False)
    text = ctx.t("inbox.file_where", kind=file_label(ctx.t, attachment))
    await message.answer(text, reply_markup=markup)


async def on_file_for_deal(message: Message, ctx: Ctx, state: FSMContext) -> None:
    """A file after the card's 📎: straight to that deal; the step stays for more."""
    attachment = attachment_of(message)
    assert attachment is not None, "routed here by FILES"
    deal_id = DealId((await state.get_data())["deal_id"])
    view = await inbox.add_file(ctx.uow, ctx.staff, deal_id, attachment, message.caption, ctx.now)
    await message.answer(
        _saved_file(ctx, attachment), reply_markup=open_card_button(ctx.t, view.deal)
    )


def _saved_file(ctx: Ctx, attachment: Attachment) -> str:
    text = ctx.t("inbox.saved_file")
    if attachment.size is not None and attachment.size > BIG_FILE:
        text += "\n" + ctx.t("inbox.big_file", size=size_text_mb(attachment.size))
    return text


async def on_pick(
    query: CallbackQuery, ctx: Ctx, callback_data: InboxCb, state: FSMContext
) -> None:
    item = await _take(state, callback_data.item)
    if item is None:
        await query.answer(ctx.t("inbox.gone"), show_alert=True)
        return
    if not callback_data.deal_id:
        await _new_deal(query, ctx, state, callback_data.item, item)
        return
    deal_id = DealId(callback_data.deal_id)
    toast = await _bring(ctx, deal_id, item)
    await _drop(state, callback_data.item)
    view = await deals.open_deal(ctx.uow, ctx.staff, deal_id, ctx.now)
    await screens.show(query, card_screen(ctx.t, view, ctx.tz), toast)


async def _bring(ctx: Ctx, deal_id: DealId, item: dict[str, Any]) -> str:
    """Put the waiting item into the deal; what to say about it."""
    kind, attachment = item["kind"], _file(item.get("file"))
    if kind == "contact":
        _, changed = await contacts.add_contact(
            ctx.uow, ctx.staff, deal_id, _who(item["who"]), None, ctx.now
        )
        return saved_text(ctx.t, contacts.CONTACT, changed)
    if kind == "forward":
        fwd = Forwarded(
            _who(item["who"]), datetime.fromisoformat(item["at"]), item["text"], item["hidden"]
        )
        await inbox.add_forward(ctx.uow, ctx.staff, deal_id, fwd, ctx.now, attachment)
        return ctx.t("inbox.saved_forward")
    if attachment is None:
        raise EmptyTextError()
    await inbox.add_file(ctx.uow, ctx.staff, deal_id, attachment, item.get("text"), ctx.now)
    return _saved_file(ctx, attachment)


async def _new_deal(
    query: CallbackQuery, ctx: Ctx, state: FSMContext, key: int, item: dict[str, Any]
) -> None:
    """A new deal with the author: for a client they belong to already, if there is one."""
    who = _who(item["who"])
    clients = await contacts.clients_of_person(ctx.uow, ctx.staff, who)
    if clients:
        text = ctx.t("inbox.which_client", name=who.name)
        await screens.show(query, (text, clients_keyboard(ctx.t, key, who.name, clients)))
        return
    await _made(query, ctx, state, key, item, None)


async def on_client(
    query: CallbackQuery, ctx: Ctx, callback_data: InboxClientCb, state: FSMContext
) -> None:
    item = await _take(state, callback_data.item)
    if item is None:
        await query.answer(ctx.t("inbox.gone"), show_alert=True)
        return
    client_id = ClientId(callback_data.client_id) if callback_data.client_id else None
    await _made(query, ctx, state, callback_data.item, item, client_id)


async def _made(
    query: CallbackQuery,
    ctx: Ctx,
    state: FSMContext,
    key: int,
    item: dict[str, Any],
    client_id: ClientId | None,
) -> None:
    view = await contacts.new_deal_for(ctx.uow, ctx.staff, _who(item["who"]), client_id, ctx.now)
    toast = saved_text(ctx.t, contacts.CONTACT, True)
    if item["kind"] == "forward":
        toast = await _bring(ctx, view.deal.id, item)
        view = await deals.open_deal(ctx.uow, ctx.staff, view.deal.id, ctx.now)
    await _drop(state, key)
    await screens.show(query, card_screen(ctx.t, view, ctx.tz), toast)


async def on_attach(
    query: CallbackQuery, ctx: Ctx, callback_data: AttachCb, state: FSMContext
) -> None:
    view = await deals.open_deal(ctx.uow, ctx.staff, DealId(callback_data.deal_id), ctx.now)
    await state.set_state(AttachFiles.file)
    await state.update_data(deal_id=view.deal.id)
    await query.answer()
    await message_of(query).answer(
        ctx.t("inbox.attach_ask"), reply_markup=open_card_button(ctx.t, view.deal)
    )


async def on_send_again(query: CallbackQuery, ctx: Ctx, callback_data: FileCb) -> None:
    event = await inbox.deal_file(
        ctx.uow, ctx.staff, DealId(callback_data.deal_id), callback_data.event_id
    )
    attachment = event.attachment
    assert attachment is not None
    await query.answer()
    chat = message_of(query).chat.id
    bot = query.bot
    assert bot is not None
    if attachment.kind is FileKind.VIDEO_NOTE:
        await bot.send_video_note(chat, attachment.file_id)  # a round video takes no caption
    elif attachment.kind is FileKind.VOICE:
        await bot.send_voice(chat, attachment.file_id, caption=event.text)
    elif attachment.kind is FileKind.PHOTO:
        await bot.send_photo(chat, attachment.file_id, caption=event.text)
    elif attachment.kind is FileKind.VIDEO:
        await bot.send_video(chat, attachment.file_id, caption=event.text)
    elif attachment.kind is FileKind.AUDIO:
        await bot.send_audio(chat, attachment.file_id, caption=event.text)
    else:
        await bot.send_document(chat, attachment.file_id, caption=event.text)


def build_router() -> Router:
    """The choices' buttons and the 📎 step, anywhere in the order: their own callback data
    and state; a fresh router each time."""
    router = Router(name="deal_inbox")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query(InboxCb.filter())(on_pick)
    router.callback_query(InboxClientCb.filter())(on_client)
    router.callback_query(AttachCb.filter())(on_attach)
    router.callback_query(FileCb.filter())(on_send_again)
    router.message(AttachFiles.file, FILES, ~F.forward_origin)(on_file_for_deal)
    return router


def build_messages_router() -> Router:
    """Forwards, contact cards and files outside a step: before the features' typed steps
    (a forward is a client's words, never an answer to a question), after the plan import
    that takes a document with its command."""
    router = Router(name="deal_inbox_messages")
    router.message.filter(IsStaff())
    router.message(F.forward_origin)(on_forward)
    router.message(StateFilter(None), F.contact)(on_contact)
    router.message(StateFilter(None), FILES, ~F.caption.startswith("/"))(on_file)
    return router
