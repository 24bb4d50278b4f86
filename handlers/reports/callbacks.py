"""Callback data of the report screens: ids and short codes, never names."""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData

from bot.domain.periods import ReportPeriod
from handlers.cbtypes import CbArg, CbId

NONE = -1


class PeriodChoice(enum.StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    WEEK = "week"
    MONTH = "month"
    CUSTOM = "custom"


class CutKind(enum.StrEnum):
    ALL = "all"
    SELLER = "seller"
    CHANNEL = "channel"
    PRODUCT = "product"
    REGION = "region"
    NEW = "new"
    CURRENT = "current"


# Cuts that need a value picked from a list before the funnel is shown.
PICKED = frozenset({CutKind.SELLER, CutKind.CHANNEL, CutKind.PRODUCT, CutKind.REGION})


class ReportCb(CallbackData, prefix="rp"):
    period: PeriodChoice


class FunnelCb(CallbackData, prefix="fu"):
    """A press on the funnel's own message: the funnel is redrawn in place."""

    pipeline_id: CbId
    period: ReportPeriod = ReportPeriod.DAYS_90
    cut: CutKind = CutKind.ALL
    value: CbArg = NONE


class FunnelOpenCb(CallbackData, prefix="fo"):
    """A pipeline picked from /funnel's list: the funnel comes as a new message."""

    pipeline_id: CbId


class AbcCb(CallbackData, prefix="abc"):
    months: CbId
    cell: str = ""
