"""Texts and keyboards of editing a deal from its card, driven by the table of fields."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.deal_fields import FIELDS, DealField, FieldKind, FieldValue, field_of
from bot.domain.deals import DealEvent
from bot.domain.models import Channel
from bot.domain.money import format_amount
from bot.i18n import Translator
from bot.services.deals import DealView
from handlers.deals.callbacks import (
    CLEAR,
    CardAction,
    DealCb,
    DealEditCb,
    DealFieldCb,
    DealValueCb,
)
from handlers.deals.people_views import PEOPLE_FIELDS, people_buttons, people_history_text
from handlers.keyboards import rows_of
from handlers.texts import escaped

VALUE_SHOWN = 100  # a long title in the history; the whole of it stays in the deal
_ANY_ZONE = ZoneInfo("UTC")  # a choice is no date: the zone it is shown in does not matter


def day_text(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y")


def value_text(t: Translator, field: DealField, value: FieldValue, tz: ZoneInfo) -> str:
    """A field's value as the card and the history show it, escaped for HTML."""
    if value is None:
        return "—"
    if field.kind is FieldKind.MONEY and isinstance(value, int):
        return format_amount(value, "RUB", t.lang)
    if field.kind is FieldKind.DATE and isinstance(value, datetime):
        return day_text(value, tz)
    if isinstance(value, Channel):  # each choice enum's values have their texts
        return t(f"channel.{value.value}")
    return escaped(str(value), VALUE_SHOWN)


def edit_history_text(t: Translator, event: DealEvent, tz: ZoneInfo) -> str:
    """`Сумма: 100 000 ₽ → 150 000 ₽`."""
    if event.field in PEOPLE_FIELDS:
        return people_history_text(t, event)
    field = field_of(event.field or "")
    return t(
        "history.edit",
        field=t(f"field.{field.name.value}"),
        before=value_text(t, field, field.decode(event.before), tz),
        after=value_text(t, field, field.decode(event.after), tz),
    )


def edit_button(t: Translator, view: DealView) -> InlineKeyboardButton:
    cb = DealEditCb(deal_id=view.deal.id, version=view.deal.version)
    return InlineKeyboardButton(text=t("card.btn.edit"), callback_data=cb.pack())


def fields_keyboard(t: Translator, view: DealView) -> InlineKeyboardMarkup:
    deal = view.deal
    buttons = []
    for field in FIELDS.values():
        cb = DealFieldCb(deal_id=deal.id, version=deal.version, field=field.name)
        buttons.append(
            InlineKeyboardButton(text=t(f"field.{field.name.value}"), callback_data=cb.pack())
        )
    buttons += people_buttons(t, deal)
    back = DealCb(action=CardAction.OPEN, deal_id=deal.id).pack()
    rows = rows_of(buttons, 2)
    rows.append([InlineKeyboardButton(text=t("btn.back"), callback_data=back)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def ask_text(t: Translator, field: DealField, view: DealView, tz: ZoneInfo) -> str:
    return t(
        "edit.ask",
        field=t(f"field.{field.name.value}"),
        current=value_text(t, field, field.current(view.deal), tz),
        hint=t(f"edit.hint.{field.kind.value}"),
    )


def value_keyboard(t: Translator, field: DealField, view: DealView) -> InlineKeyboardMarkup:
    """The choices of a CHOICE field, "clear" when the field may be emptied, and back."""
    deal = view.deal

    def button(text: str, choice: int) -> InlineKeyboardButton:
        cb = DealValueCb(deal_id=deal.id, version=deal.version, field=field.name, choice=choice)
        return InlineKeyboardButton(text=text, callback_data=cb.pack())

    choices = [
        button(value_text(t, field, option, _ANY_ZONE), index)
        for index, option in enumerate(field.choices or ())
    ]
    rows = rows_of(choices, 2)
    if field.clearable and field.current(deal) is not None:
        rows.append([button(t("edit.btn.clear"), CLEAR)])
    back = DealEditCb(deal_id=deal.id, version=deal.version).pack()
    rows.append([InlineKeyboardButton(text=t("btn.back"), callback_data=back)])
    return InlineKeyboardMarkup(inline_keyboard=rows)
