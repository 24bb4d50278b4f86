"""Texts and keyboards of a deal's client and contact person, edited from the card's ✏️."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.contacts import Contact
from bot.domain.deals import DealEvent
from bot.domain.models import Client, Deal
from bot.i18n import Translator
from bot.services.contacts import CLIENT, CONTACT
from handlers.deals.callbacks import DealEditCb
from handlers.deals.inbox_types import ClientPickCb, ContactPickCb, DealPeopleCb, Person
from handlers.keyboards import rows_of
from handlers.texts import escaped

BUTTON_MAX = 48
VALUE_SHOWN = 100
PEOPLE_FIELDS = frozenset({CLIENT, CONTACT})


def _short(text: str) -> str:
    return text if len(text) <= BUTTON_MAX else text[: BUTTON_MAX - 1] + "…"


def people_buttons(t: Translator, deal: Deal) -> list[InlineKeyboardButton]:
    """The ✏️ menu's client and contact person buttons."""
    return [
        InlineKeyboardButton(
            text=t(f"field.{field}"),
            callback_data=DealPeopleCb(deal_id=deal.id, version=deal.version, who=who).pack(),
        )
        for field, who in ((CLIENT, Person.CLIENT), (CONTACT, Person.CONTACT))
    ]


def people_history_text(t: Translator, event: DealEvent) -> str:
    """`Клиент: ООО Ромашка → ООО Ромашка Плюс`."""
    return t(
        "history.edit",
        field=t(f"field.{event.field}"),
        before=escaped(event.before, VALUE_SHOWN) if event.before else "—",
        after=escaped(event.after, VALUE_SHOWN) if event.after else "—",
    )


def _back(t: Translator, deal: Deal) -> InlineKeyboardButton:
    back = DealEditCb(deal_id=deal.id, version=deal.version).pack()
    return InlineKeyboardButton(text=t("btn.back"), callback_data=back)


def ask_client(t: Translator, deal: Deal) -> tuple[str, InlineKeyboardMarkup]:
    current = html.escape(deal.client.company) if deal.client else "—"
    markup = InlineKeyboardMarkup(inline_keyboard=[[_back(t, deal)]])
    return t("people.ask_client", current=current), markup


def clients_offered(
    t: Translator, deal: Deal, name: str, clients: list[Client]
) -> tuple[str, InlineKeyboardMarkup]:
    """Other clients the typed name may mean, and renaming the deal's client to it."""
    buttons = []
    for client in clients:
        cb = ClientPickCb(deal_id=deal.id, version=deal.version, client_id=client.id)
        buttons.append(
            InlineKeyboardButton(text=_short("👤 " + client.company), callback_data=cb.pack())
        )
    rename = ClientPickCb(deal_id=deal.id, version=deal.version, client_id=0).pack()
    buttons.append(
        InlineKeyboardButton(text=_short(t("people.btn.rename", name=name)), callback_data=rename)
    )
    rows = rows_of(buttons, 1)
    rows.append([_back(t, deal)])
    return t("people.client_matches"), InlineKeyboardMarkup(inline_keyboard=rows)


def ask_contact(
    t: Translator, deal: Deal, people: list[Contact]
) -> tuple[str, InlineKeyboardMarkup]:
    """The client's persons to choose, nobody, and back; or type one, or share a card."""
    buttons = []
    current = deal.contact.id if deal.contact else None
    for person in people:
        mark = "✓ " if person.id == current else ""
        cb = ContactPickCb(deal_id=deal.id, version=deal.version, contact_id=person.id)
        buttons.append(
            InlineKeyboardButton(text=_short(f"{mark}👤 {person.label}"), callback_data=cb.pack())
        )
    if current is not None:
        nobody = ContactPickCb(deal_id=deal.id, version=deal.version, contact_id=0).pack()
        buttons.append(InlineKeyboardButton(text=t("people.btn.nobody"), callback_data=nobody))
    rows = rows_of(buttons, 1)
    rows.append([_back(t, deal)])
    shown = html.escape(deal.contact.label) if deal.contact else "—"
    return t("people.ask_contact", current=shown), InlineKeyboardMarkup(inline_keyboard=rows)


def saved_text(t: Translator, field: str, changed: bool) -> str:
    if not changed:
        return t("edit.unchanged")
    return t("edit.saved", field=t(f"field.{field}"))
