"""Texts and keyboards of what a seller brings into a deal: the deals offered for a forward,
a contact card or a file; files and forwards in the history, and sending a file again."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.deals import DealEvent
from bot.domain.inbox import Attachment, size_text_mb
from bot.domain.models import Client, Deal
from bot.i18n import Translator
from bot.services.deals import DealView
from bot.services.inbox import DealChoice
from handlers.deals.callbacks import CardAction, DealCb
from handlers.deals.inbox_types import AttachCb, FileCb, InboxCb, InboxClientCb
from handlers.keyboards import rows_of
from handlers.texts import escaped

BUTTON_MAX = 48
NOTE_SHOWN = 300
FILES_SHOWN = 10  # files offered to send again under the history, the newest


def _short(text: str) -> str:
    return text if len(text) <= BUTTON_MAX else text[: BUTTON_MAX - 1] + "…"


def when_text(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%d.%m %H:%M")


def deals_keyboard(
    t: Translator, item: int, choice: DealChoice, *, new_deal: bool
) -> InlineKeyboardMarkup:
    """The person's deals first, then the seller's latest; and a new deal with the person."""
    buttons = [
        InlineKeyboardButton(
            text=_short(f"📎 {deal.title}"),
            callback_data=InboxCb(item=item, deal_id=deal.id).pack(),
        )
        for deal in [*choice.matched, *choice.others]
    ]
    if new_deal:
        new = InboxCb(item=item, deal_id=0).pack()
        buttons.append(InlineKeyboardButton(text=t("inbox.btn.new_deal"), callback_data=new))
    return InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))


def clients_keyboard(
    t: Translator, item: int, name: str, clients: list[Client]
) -> InlineKeyboardMarkup:
    buttons = []
    for client in clients:
        cb = InboxClientCb(item=item, client_id=client.id).pack()
        buttons.append(InlineKeyboardButton(text=_short("👤 " + client.company), callback_data=cb))
    new = InboxClientCb(item=item, client_id=0).pack()
    label = _short(t("inbox.btn.new_client", name=name))
    buttons.append(InlineKeyboardButton(text=label, callback_data=new))
    return InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))


def attach_button(t: Translator, view: DealView) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=t("card.btn.attach"), callback_data=AttachCb(deal_id=view.deal.id).pack()
    )


def file_label(t: Translator, attachment: Attachment) -> str:
    """`🎤 Голосовое · 0:42` or `🎬 Видео · 30 МБ`: what it is, and how long or how large."""
    label = t(f"file.{attachment.kind.value}")
    return label + file_details(t, attachment)


def file_details(t: Translator, attachment: Attachment) -> str:
    if attachment.duration:
        minutes, seconds = divmod(attachment.duration, 60)
        return f" · {minutes}:{seconds:02d}"
    if attachment.size:
        return " · " + t("file.size_mb", mb=size_text_mb(attachment.size))
    return ""


def file_history_text(t: Translator, event: DealEvent, tz: ZoneInfo) -> str:
    """A file in the history: its kind, length or size, caption; a forwarded one's author."""
    attachment = event.attachment
    assert attachment is not None, "a file row keeps its file"
    name = f" «{escaped(attachment.name, 60)}»" if attachment.name else ""
    caption = f": {escaped(event.text, NOTE_SHOWN)}" if event.text else ""
    text = t(
        "history.file",
        kind=t(f"file.{attachment.kind.value}"),
        details=name + file_details(t, attachment),
        caption=caption,
    )
    if event.origin_name is None:
        return text
    return forwarded_text(t, event, tz, text)


def forwarded_text(t: Translator, event: DealEvent, tz: ZoneInfo, text: str | None = None) -> str:
    """`✉️ Иван Петров, 05.12 14:30: …`: the client's words with their author and time."""
    at = when_text(event.origin_at, tz) if event.origin_at else "—"
    return t(
        "history.forwarded",
        name=html.escape(event.origin_name or "—"),
        at=at,
        text=text if text is not None else escaped(event.text or "", NOTE_SHOWN),
    )


def history_keyboard(
    t: Translator, view: DealView, events: list[DealEvent], back: InlineKeyboardMarkup
) -> InlineKeyboardMarkup:
    """Back to the card, with a button per file of the history to send it again."""
    files = [e for e in events if e.attachment is not None and e.id is not None][-FILES_SHOWN:]
    buttons = []
    for n, event in enumerate(files, start=1):
        assert event.attachment is not None
        assert event.id is not None
        cb = FileCb(deal_id=view.deal.id, event_id=event.id).pack()
        label = _short(f"{n}. {file_label(t, event.attachment)}")
        buttons.append(InlineKeyboardButton(text=label, callback_data=cb))
    rows = rows_of(buttons, 2) + [list(row) for row in back.inline_keyboard]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def open_card_button(t: Translator, deal: Deal) -> InlineKeyboardMarkup:
    cb = DealCb(action=CardAction.OPEN, deal_id=deal.id).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t("btn.back"), callback_data=cb)]]
    )
