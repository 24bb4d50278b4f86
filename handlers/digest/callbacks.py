"""Callback data of the digest's drill-down buttons: ids only."""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData

from handlers.cbtypes import CbId, CbPage


class DigestView(enum.StrEnum):
    SELLER = "s"  # one seller's open deals by stage
    SELLER_PAGE = "p"  # another page of that list, turned in place
    OVERDUE = "o"  # the team's overdue tasks
    STALLED = "t"  # the team's stalled deals, as /deals lists them


class DigestCb(CallbackData, prefix="dg"):
    view: DigestView
    seller_id: CbId = 0
    page: CbPage = 0
