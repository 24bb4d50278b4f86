"""Callback data of the survey screens."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from bot.domain.nps import Period
from handlers.cbtypes import CbArg, CbId

OPT_OUT = -1


class ScoreCb(CallbackData, prefix="nps"):
    """A client's answer: 0..10, or OPT_OUT for "don't ask me again"."""

    survey_id: CbId
    score: CbArg


class SkipCommentCb(CallbackData, prefix="npsk"):
    survey_id: CbId


class AskFeedbackCb(CallbackData, prefix="fb"):
    deal_id: CbId


class RecoveryCb(CallbackData, prefix="rc"):
    survey_id: CbId


class NpsPeriodCb(CallbackData, prefix="npr"):
    period: Period
