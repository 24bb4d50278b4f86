"""Callback data of the task screens. Times travel as epoch minutes: a button means the
moment it showed, not whatever "tomorrow" means when it is pressed."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from aiogram.filters.callback_data import CallbackData

from handlers.cbtypes import CbId, CbMinutes, CbPage


class TaskAction(enum.StrEnum):
    OPEN = "o"
    DONE = "d"
    HOUR = "h"  # +1 hour from now
    TOMORROW = "m"  # tomorrow 10:00
    RESCHEDULE = "r"  # show the quick picks
    AT = "a"  # move to `at` (a quick pick)


class TaskCb(CallbackData, prefix="t"):
    action: TaskAction
    task_id: CbId
    at: CbMinutes = 0


class ReminderCb(CallbackData, prefix="rm"):
    """A reminder's own buttons (done, +1 hour, tomorrow): the answer stays a reminder."""

    action: TaskAction
    task_id: CbId


class DueCb(CallbackData, prefix="du"):
    """A quick pick while a new task is being written."""

    at: CbMinutes


class NextStepCb(CallbackData, prefix="ns"):
    """A quick pick right after a deal was created or moved: a task with the default text."""

    deal_id: CbId
    at: CbMinutes


class CardStepCb(CallbackData, prefix="cs"):
    """The same quick pick, asked in the deal card itself after a move (the card stays)."""

    deal_id: CbId
    at: CbMinutes


class TasksCb(CallbackData, prefix="tl"):
    """Back to the task list."""

    page: CbPage = 0


def to_minutes(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def from_minutes(minutes: int) -> datetime:
    return datetime.fromtimestamp(minutes * 60, tz=UTC)
