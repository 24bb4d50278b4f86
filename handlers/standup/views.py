"""Texts and keyboards of the group stand-up."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.company import CompanySettings
from bot.domain.standup import StandupGroup
from bot.i18n import Translator
from bot.services.digest import DigestReport
from handlers.deals.views import short
from handlers.digest.views import SELLER_BUTTONS
from handlers.keyboards import rows_of
from handlers.standup.callbacks import GroupDigestCb, GroupView, StandupSwitchCb


def switch_text(t: Translator, group: StandupGroup | None, company: CompanySettings) -> str:
    if group is not None and group.is_on:
        return t("standup.on", time=f"{company.digest_at:%H:%M}")
    return t("standup.off")


def switch_keyboard(t: Translator, group: StandupGroup | None) -> InlineKeyboardMarkup:
    on = group is not None and group.is_on
    switch = InlineKeyboardButton(
        text=t("standup.btn.off" if on else "standup.btn.on"),
        callback_data=StandupSwitchCb(on=not on).pack(),
    )
    return InlineKeyboardMarkup(inline_keyboard=[[switch]])


def group_keyboard(t: Translator, report: DigestReport) -> InlineKeyboardMarkup:
    """The head's drill-downs, for everyone in the group: each answered in private."""
    sellers = []
    for line in report.digest.sellers[:SELLER_BUTTONS]:
        seller_id = line.facts.seller_id
        label = short(t("digest.btn.seller", name=report.names.get(seller_id, "?")), 24)
        cb = GroupDigestCb(view=GroupView.SELLER, seller_id=seller_id).pack()
        sellers.append(InlineKeyboardButton(text=label, callback_data=cb))
    rows = rows_of(sellers, 2)
    rows.append(
        [
            InlineKeyboardButton(
                text=t("digest.btn.overdue"),
                callback_data=GroupDigestCb(view=GroupView.OVERDUE).pack(),
            ),
            InlineKeyboardButton(
                text=t("digest.btn.stalled"),
                callback_data=GroupDigestCb(view=GroupView.STALLED).pack(),
            ),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def group_markup(t: Translator, report: DigestReport) -> dict[str, Any]:
    return group_keyboard(t, report).model_dump(mode="json", exclude_none=True)
