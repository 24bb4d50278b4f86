"""Callback data of the plan screens. A month travels as a month index (bounded), a seller
as an id; the service checks both, so a forged button changes nothing."""

from __future__ import annotations

import enum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from handlers.cbtypes import CbId

# Months since year 0, for the years 2000..2199: outside is refused by the filter itself.
CbMonth = Annotated[int, Field(ge=2000 * 12, le=2200 * 12 - 1)]


class PlanAction(enum.StrEnum):
    MONTH = "m"  # show a month
    SELLER = "s"  # set a seller's revenue
    COUNT = "n"  # set one of the optional counts (`field`)
    DONE = "d"  # no more counts: back to the month
    COPY = "c"  # copy last month
    IMPORT = "i"  # wait for a CSV file


class PlanField(enum.StrEnum):
    NONE = "-"
    WON = "w"
    MEETINGS = "m"
    PROPOSALS = "p"


class PlanCb(CallbackData, prefix="pl"):
    action: PlanAction
    month: CbMonth
    seller_id: CbId = 0
    field: PlanField = PlanField.NONE
