"""Notices the services queue, rendered in each reader's language (the `Notifier` port)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.models import Deal, Stage, User
from bot.domain.notices import Notice, QuietHours
from bot.i18n import translator
from handlers.deals.callbacks import CardAction, DealCb, HandoffCb


@dataclass(frozen=True, slots=True)
class TelegramNotifier:
    tz: ZoneInfo
    quiet: QuietHours

    def handoff_offered(self, deal: Deal, stage: Stage, to: User, by: User) -> Notice:
        t = translator(to.language)
        kb = InlineKeyboardBuilder()
        kb.button(
            text=t("handoff.btn.accept"), callback_data=HandoffCb(deal_id=deal.id, accept=True)
        )
        kb.button(
            text=t("handoff.btn.decline"), callback_data=HandoffCb(deal_id=deal.id, accept=False)
        )
        text = t(
            "handoff.offered",
            by=html.escape(by.name),
            deal=html.escape(deal.title),
            stage=html.escape(stage.name),
        )
        return Notice(
            chat_id=to.tg_id,
            kind="handoff",
            text=text,
            user_id=to.id,
            dedup_key=f"handoff:{deal.id}:{deal.version}:{to.id}",
            reply_markup=kb.as_markup().model_dump(mode="json", exclude_none=True),
        )

    def handoff_decided(self, deal: Deal, reader: User, taker: User, accepted: bool) -> Notice:
        t = translator(reader.language)
        key = "handoff.accepted" if accepted else "handoff.declined"
        kb = InlineKeyboardBuilder()
        kb.button(
            text=t("task.btn.deal"), callback_data=DealCb(action=CardAction.OPEN, deal_id=deal.id)
        )
        return Notice(
            chat_id=reader.tg_id,
            kind="handoff",
            text=t(key, who=html.escape(taker.name), deal=html.escape(deal.title)),
            user_id=reader.id,
            dedup_key=f"handoff:{deal.id}:{deal.version}:{reader.id}:{int(accepted)}",
            reply_markup=kb.as_markup().model_dump(mode="json", exclude_none=True),
        )
