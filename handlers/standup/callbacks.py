"""Callback data of the group stand-up: the switch, and the digest's buttons in the group."""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData

from handlers.cbtypes import CbId


class StandupSwitchCb(CallbackData, prefix="ss"):
    on: bool


class GroupView(enum.StrEnum):
    SELLER = "s"  # a seller's open deals: a head sees theirs, a seller their own
    OVERDUE = "o"  # overdue tasks the presser may see
    STALLED = "t"  # stalled deals the presser may see


class GroupDigestCb(CallbackData, prefix="sg"):
    """A press under the group's stand-up: answered to the presser in private."""

    view: GroupView
    seller_id: CbId = 0


# What of a group chat reaches the handlers at all (the context middleware drops the rest):
# the switch command and the presses on the group's own buttons.
GROUP_PREFIXES = ("ss:", "sg:")
