"""The one Telegram-facing notifier: every notice the services and the jobs queue, worded in
each reader's language (the `Notifier` and `JobNotifier` ports), and the texts the sender asks
for at the moment of sending (`DeliveryTexts`)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.calendar import end_of_day
from bot.domain.company import CompanySettings
from bot.domain.ids import UserId
from bot.domain.models import Client, Deal, Stage, User
from bot.domain.notices import Entry, Merge, Notice, QuietHours
from bot.domain.standup import StandupGroup
from bot.domain.surveys import OpenedSurvey, Survey
from bot.domain.tasks import Task
from bot.i18n import translator
from bot.services.agenda import Agenda, Stall
from bot.services.digest import DigestReport
from bot.services.escalations import Overdue
from bot.services.members import Handover
from handlers.alerts import (
    agenda_notice,
    handover_notice,
    missed_notice,
    reminder_notice,
    unreachable_text,
)
from handlers.compose import compose
from handlers.deals.callbacks import CardAction, DealCb, HandoffCb
from handlers.digest.notices import head_notices, seller_notices
from handlers.escalations import overdue_list
from handlers.stalls import stall_list
from handlers.standup.notices import group_notices
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

    @classmethod
    def of(cls, company: CompanySettings) -> TelegramNotifier:
        return cls(company.tz, company.quiet, company.company_name)

    def for_company(self, company: CompanySettings) -> TelegramNotifier:
        return TelegramNotifier.of(company)

    # What the sender words when it sends (bot.services.notify.DeliveryTexts)

    def compose(
        self, reader: User | None, entries: Sequence[Entry], why: Merge
    ) -> tuple[str, dict[str, Any] | None]:
        return compose(reader, entries, why)

    def unreachable(self, head: User, user: User) -> str:
        return unreachable_text(head, user)

    # The jobs' notices (bot.jobs.context.JobNotifier)

    def reminder(self, task: Task, user: User, now: datetime) -> Notice:
        return reminder_notice(task, user, now, self.tz)

    def missed(self, user: User, tasks: Sequence[Task], now: datetime) -> Notice:
        return missed_notice(user, list(tasks), now, self.tz)

    def agenda(self, agenda: Agenda, day: date, now: datetime) -> Notice:
        return agenda_notice(agenda, day, now, self.tz)

    def stall_list(
        self,
        reader: User,
        stalls: Sequence[Stall],
        owners: Mapping[UserId, str],
        run: str,
        *,
        for_head: bool,
    ) -> Notice:
        return stall_list(reader, stalls, owners, run, for_head=for_head)

    def overdue_list(self, head: User, items: Sequence[Overdue], run: str, now: datetime) -> Notice:
        return overdue_list(head, items, run, now, self.tz)

    async def digest(self, report: DigestReport, heads: Sequence[User], day: date) -> list[Notice]:
        return await head_notices(report, heads, day, end_of_day(day, self.tz))

    def digest_lines(
        self, report: DigestReport, sellers: Sequence[User], day: date
    ) -> list[Notice]:
        return seller_notices(report, sellers, day, end_of_day(day, self.tz))

    async def group_digest(
        self, report: DigestReport, groups: Sequence[StandupGroup], day: date, language: str
    ) -> list[Notice]:
        return await group_notices(report, groups, day, end_of_day(day, self.tz), language)

    def handover(self, handover: Handover) -> Notice:
        return handover_notice(handover)

    # The services' notices (bot.services.ports.Notifier)

    def handoff_offered(self, deal: Deal, stage: Stage, to: User, by: User) -> Notice:
        t = translator(to.language)
        accept = HandoffCb(deal_id=deal.id, accept=True).pack()
        decline = HandoffCb(deal_id=deal.id, accept=False).pack()
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text=t("handoff.btn.accept"), callback_data=accept),
                    InlineKeyboardButton(text=t("handoff.btn.decline"), callback_data=decline),
                ]
            ]
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
            reply_markup=markup.model_dump(mode="json", exclude_none=True),
        )

    def handoff_decided(self, deal: Deal, reader: User, taker: User, accepted: bool) -> Notice:
        t = translator(reader.language)
        key = "handoff.accepted" if accepted else "handoff.declined"
        cb = DealCb(action=CardAction.OPEN, deal_id=deal.id).pack()
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text=t("task.btn.deal"), callback_data=cb)]]
        )
        return Notice(
            chat_id=reader.tg_id,
            kind="handoff",
            text=t(key, who=html.escape(taker.name), deal=html.escape(deal.title)),
            user_id=reader.id,
            dedup_key=f"handoff:{deal.id}:{deal.version}:{reader.id}:{int(accepted)}",
            reply_markup=markup.model_dump(mode="json", exclude_none=True),
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
