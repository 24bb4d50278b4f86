"""Notices the services queue, rendered in each reader's language (the `Notifier` port)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.models import Client, Deal, Stage, User
from bot.domain.notices import Notice, QuietHours
from bot.domain.surveys import OpenedSurvey, Survey
from bot.i18n import translator
from handlers.deals.callbacks import CardAction, DealCb, HandoffCb
from handlers.surveys.views import (
    answer_alert,
    comment_alert,
    json_markup,
    question_text,
    score_keyboard,
)


@dataclass(frozen=True, slots=True)
class TelegramNotifier:
    tz: ZoneInfo
    quiet: QuietHours
    company: str = ""

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

    def nps_answer(self, survey: Survey, client: Client, reader: User) -> Notice:
        t = translator(reader.language)
        text, markup = answer_alert(t, survey, client.company)
        return Notice(
            chat_id=reader.tg_id,
            kind="nps",
            text=text,
            user_id=reader.id,
            dedup_key=f"nps:{survey.id}:answer:{reader.id}",
            reply_markup=json_markup(markup),
        )

    def nps_comment(self, survey: Survey, client: Client, reader: User) -> Notice:
        t = translator(reader.language)
        return Notice(
            chat_id=reader.tg_id,
            kind="nps",
            text=comment_alert(t, survey, client.company),
            user_id=reader.id,
            dedup_key=f"nps:{survey.id}:comment:{reader.id}",
        )

    def survey_question(self, opened: OpenedSurvey, language: str | None) -> Notice:
        t = translator(language or "ru")
        assert opened.client.tg_id is not None
        return Notice(
            chat_id=opened.client.tg_id,
            kind="survey",
            text=question_text(t, opened, self.company),
            dedup_key=f"survey:{opened.survey.id}",
            reply_markup=json_markup(score_keyboard(t, opened.survey.id)),
        )
