"""Callback data of the deal screens: ids only, well under Telegram's 64 bytes."""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData

from bot.domain.deal_fields import FieldName
from handlers.cbtypes import CbArg, CbId, CbPage


class CardAction(enum.StrEnum):
    OPEN = "o"
    MOVE = "m"  # arg: the stage id to move to
    STAGES = "s"
    WON = "w"
    LOST = "l"
    REASON = "r"  # arg: the lost reason id
    REASON_TEXT = "rt"
    NOTE = "n"
    REOPEN = "ro"
    HISTORY = "h"
    TASK = "t"  # a new task for the deal


class DealCb(CallbackData, prefix="d"):
    action: CardAction
    deal_id: CbId
    arg: CbArg = 0


class DealsPageCb(CallbackData, prefix="dl"):
    pipeline_id: CbId = 0
    stalled: bool = False
    page: CbPage = 0


class NewDealStep(enum.StrEnum):
    PIPELINE = "p"  # value: pipeline id
    CLIENT = "c"  # value: existing client id, 0 for a new client with the typed name
    CHANNEL = "ch"  # value: index in Channel
    SKIP_AMOUNT = "sa"
    PREFERENCE = "pf"  # value: 1 to ask the optional questions, 0 to create at once
    CREATE = "cr"  # the optional step: create the deal now
    NEVER = "nv"  # the same, and never ask again


class NewDealCb(CallbackData, prefix="nd"):
    step: NewDealStep
    value: CbArg = 0


class NextStageCb(CallbackData, prefix="nx"):
    """➡️ on a notification: the deal's next stage, whichever it is at `version`."""

    deal_id: CbId
    version: CbId


class HandoffCb(CallbackData, prefix="ho"):
    """Accept or decline a deal offered by a stage change."""

    deal_id: CbId
    accept: bool


class DealEditCb(CallbackData, prefix="de"):
    """The card's ✏️: the fields of the deal as the card showed it (`version`)."""

    deal_id: CbId
    version: CbId


class DealFieldCb(CallbackData, prefix="df"):
    """A field chosen to edit; an unknown field name is refused by the filter."""

    deal_id: CbId
    version: CbId
    field: FieldName


class DealValueCb(CallbackData, prefix="dv"):
    """A value chosen by a button: the index of a choice, or CLEAR to empty the field."""

    deal_id: CbId
    version: CbId
    field: FieldName
    choice: CbArg


CLEAR = -1
