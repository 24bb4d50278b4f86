"""Callback data of the survey screens."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from bot.domain.nps import Period

OPT_OUT = -1


class ScoreCb(CallbackData, prefix="nps"):
    """A client's answer: 0..10, or OPT_OUT for "don't ask me again"."""

    survey_id: int
    score: int


class SkipCommentCb(CallbackData, prefix="npsk"):
    survey_id: int


class AskFeedbackCb(CallbackData, prefix="fb"):
    deal_id: int


class RecoveryCb(CallbackData, prefix="rc"):
    survey_id: int


class NpsPeriodCb(CallbackData, prefix="npr"):
    period: Period
