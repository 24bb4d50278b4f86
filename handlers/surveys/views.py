"""Texts and keyboards of surveys, for the client, the seller and the heads."""

from __future__ import annotations

import html
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.nps import NpsGroup, classify
from bot.domain.surveys import OpenedSurvey, Survey
from bot.i18n import Translator
from handlers.deals.callbacks import CardAction, DealCb
from handlers.keyboards import rows_of
from handlers.surveys.callbacks import OPT_OUT, RecoveryCb, ScoreCb, SkipCommentCb


def question_text(t: Translator, opened: OpenedSurvey, company: str) -> str:
    client = opened.client
    name = opened.contact_name or client.contact_name or client.company
    lines = [t("survey.hello", name=html.escape(name))]
    if company:
        lines.append(t("survey.company", company=html.escape(company)))
    if opened.seller_name:
        lines.append(t("survey.about", seller=html.escape(opened.seller_name)))
    lines.append(t("survey.question"))
    return "\n\n".join(lines)


def score_keyboard(t: Translator, survey_id: int) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=str(score), callback_data=ScoreCb(survey_id=survey_id, score=score).pack()
            )
            for score in row
        ]
        for row in (range(6), range(6, 11))
    ]
    opt_out = ScoreCb(survey_id=survey_id, score=OPT_OUT).pack()
    rows.append([InlineKeyboardButton(text=t("survey.btn.opt_out"), callback_data=opt_out)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def skip_keyboard(t: Translator, survey_id: int) -> InlineKeyboardMarkup:
    skip = SkipCommentCb(survey_id=survey_id).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t("btn.skip"), callback_data=skip)]]
    )


def json_markup(markup: InlineKeyboardMarkup) -> dict[str, Any]:
    return markup.model_dump(mode="json", exclude_none=True)


def answer_alert(t: Translator, survey: Survey, company: str) -> tuple[str, InlineKeyboardMarkup]:
    """For a detractor: the alert with a recovery button; for a promoter: ask for a referral."""
    assert survey.score is not None
    group = classify(survey.score)
    key = "nps.alert.detractor" if group is NpsGroup.DETRACTOR else "nps.alert.promoter"
    text = t(key, company=html.escape(company), score=survey.score)
    buttons = []
    if group is NpsGroup.DETRACTOR and survey.deal_id:
        recovery = RecoveryCb(survey_id=survey.id).pack()
        buttons.append(InlineKeyboardButton(text=t("nps.btn.recovery"), callback_data=recovery))
    if survey.deal_id:
        deal = DealCb(action=CardAction.OPEN, deal_id=survey.deal_id).pack()
        buttons.append(InlineKeyboardButton(text=t("task.btn.deal"), callback_data=deal))
    return text, InlineKeyboardMarkup(inline_keyboard=rows_of(buttons, 1))


def comment_alert(t: Translator, survey: Survey, company: str) -> str:
    return t(
        "nps.alert.comment",
        company=html.escape(company),
        score=survey.score,
        comment=html.escape(survey.comment or ""),
    )
