"""Texts and keyboards of tasks, for handlers and for the jobs that send reminders."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.tasks import Task
from bot.domain.when import quick_picks
from bot.i18n import Translator
from bot.services.tasks import TaskList
from handlers.deals.callbacks import CardAction, DealCb
from handlers.deals.views import BUTTON_MAX, next_stage_button, short
from handlers.keyboards import rows_of
from handlers.tasks.callbacks import (
    CardStepCb,
    DueCb,
    NextStepCb,
    ReminderCb,
    TaskAction,
    TaskCb,
    TasksCb,
    to_minutes,
)
from handlers.texts import escaped, fit

LIST_BUTTONS = 10
CLIENT_SHOWN = 20  # the client's name on a task's button; the task's text gets the rest
# A reminder queued this soon after its moment is on time: the task is due now, not overdue.
ON_TIME = timedelta(minutes=5)


def fmt_due(t: Translator, due: datetime, now: datetime, tz: ZoneInfo) -> str:
    """'today 15:00', 'tomorrow 10:00' or '25.12 14:30', in the team's time zone."""
    local, today = due.astimezone(tz), now.astimezone(tz).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return t("when.today_at", time=clock)
    if local.date() == today + timedelta(days=1):
        return t("when.tomorrow_at", time=clock)
    return local.strftime("%d.%m %H:%M")


def is_on_time(task: Task, now: datetime) -> bool:
    """The reminder of a task that was not yet overdue at its moment, sent then (or just after)."""
    moment = task.remind_at or task.due_at
    return task.due_at >= moment and now - moment <= ON_TIME


def task_line(
    t: Translator, task: Task, now: datetime, tz: ZoneInfo, *, on_time: bool = False
) -> str:
    mark = "🔴" if task.due_at < now and not on_time else "⏰"
    deal = f" · 💼 {escaped(task.deal_title, 40)}" if task.deal_title else ""
    return f"{mark} {fmt_due(t, task.due_at, now, tz)} — {escaped(task.text, 80)}{deal}"


def task_text(
    t: Translator, task: Task, now: datetime, tz: ZoneInfo, *, on_time: bool = False
) -> str:
    lines = [t("task.card", text=html.escape(task.text), due=fmt_due(t, task.due_at, now, tz))]
    if task.deal_title:
        lines.append(t("task.deal", deal=html.escape(task.deal_title)))
    if not task.is_open:
        lines.append(t("task.done_mark"))
    elif task.due_at < now and not on_time:
        lines.append(t("task.overdue_mark"))
    return "\n".join(lines)


def _tb(text: str, action: TaskAction, task_id: int, at: int = 0) -> InlineKeyboardButton:
    cb = TaskCb(action=action, task_id=task_id, at=at)
    return InlineKeyboardButton(text=text, callback_data=cb.pack())


def _rb(text: str, action: TaskAction, task_id: int) -> InlineKeyboardButton:
    cb = ReminderCb(action=action, task_id=task_id)
    return InlineKeyboardButton(text=text, callback_data=cb.pack())


def task_keyboard(t: Translator, task: Task, *, back: bool = True) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if task.is_open:
        rows.append([_tb(t("task.btn.done"), TaskAction.DONE, task.id)])
        rows.append(
            [
                _tb(t("task.btn.hour"), TaskAction.HOUR, task.id),
                _tb(t("task.btn.tomorrow"), TaskAction.TOMORROW, task.id),
                _tb(t("task.btn.reschedule"), TaskAction.RESCHEDULE, task.id),
            ]
        )
    row = []
    if task.deal_id:
        cb = DealCb(action=CardAction.OPEN, deal_id=task.deal_id)
        row.append(InlineKeyboardButton(text=t("task.btn.deal"), callback_data=cb.pack()))
    if back:
        row.append(InlineKeyboardButton(text=t("btn.back"), callback_data=TasksCb().pack()))
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def picks_keyboard(
    t: Translator, now: datetime, tz: ZoneInfo, make: Any, extra: list[InlineKeyboardButton]
) -> InlineKeyboardMarkup:
    """The quick due-time buttons; `make(at)` builds each button's callback data."""
    picks = [
        InlineKeyboardButton(text=t(f"when.{key}"), callback_data=make(to_minutes(moment)).pack())
        for key, moment in quick_picks(now, tz)
    ]
    rows = rows_of(picks, 2) + [[button] for button in extra]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def due_keyboard(t: Translator, now: datetime, tz: ZoneInfo) -> InlineKeyboardMarkup:
    return picks_keyboard(t, now, tz, lambda at: DueCb(at=at), [])


def reschedule_keyboard(
    t: Translator, task: Task, now: datetime, tz: ZoneInfo
) -> InlineKeyboardMarkup:
    back = _tb(t("btn.back"), TaskAction.OPEN, task.id)
    return picks_keyboard(
        t, now, tz, lambda at: TaskCb(action=TaskAction.AT, task_id=task.id, at=at), [back]
    )


def next_step_keyboard(
    t: Translator, deal_id: int, now: datetime, tz: ZoneInfo, *, in_card: bool = False
) -> InlineKeyboardMarkup:
    """The next step's quick picks and "my own task"; `in_card`: for the deal card that asks
    it (`CardStepCb`: the card stays), else for a prompt of its own (`NextStepCb`)."""
    own = InlineKeyboardButton(
        text=t("task.btn.own"),
        callback_data=DealCb(action=CardAction.TASK, deal_id=deal_id).pack(),
    )
    pick = CardStepCb if in_card else NextStepCb
    return picks_keyboard(t, now, tz, lambda at: pick(deal_id=deal_id, at=at), [own])


def list_text(t: Translator, tasks: TaskList, now: datetime, tz: ZoneInfo) -> str:
    if not tasks.total:
        return t("tasks.empty")
    lines = [t("tasks.title", count=tasks.total)]
    for key, group in (("overdue", tasks.overdue), ("today", tasks.today), ("later", tasks.later)):
        if group:
            lines.append(f"\n<b>{t(f'tasks.{key}', count=len(group))}</b>")
            lines.extend(task_line(t, task, now, tz) for task in group)
    return fit(t, lines)


def list_keyboard(tasks: TaskList) -> InlineKeyboardMarkup:
    rows = [
        [_tb(task_label(task, overdue=task in tasks.overdue), TaskAction.OPEN, task.id)]
        for task in [*tasks.overdue, *tasks.today, *tasks.later][:LIST_BUTTONS]
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def task_label(task: Task, *, overdue: bool) -> str:
    """ "🔴 Уточнить бюджет · Ромашка": the task, and whose it is (the deal's client)."""
    whose = task.client_name or task.deal_title
    suffix = f" · {short(whose, CLIENT_SHOWN)}" if whose else ""
    return short(("🔴 " if overdue else "") + task.text, BUTTON_MAX - len(suffix)) + suffix


def reminder_keyboard(t: Translator, task: Task) -> InlineKeyboardMarkup:
    """A reminder's buttons: done and the snoozes answer as a reminder still (`ReminderCb`)."""
    rows: list[list[InlineKeyboardButton]] = []
    if task.is_open:
        rows.append([_rb(t("task.btn.done"), TaskAction.DONE, task.id)])
        rows.append(
            [
                _rb(t("task.btn.hour"), TaskAction.HOUR, task.id),
                _rb(t("task.btn.tomorrow"), TaskAction.TOMORROW, task.id),
                _tb(t("task.btn.reschedule"), TaskAction.RESCHEDULE, task.id),
            ]
        )
    if task.deal_id:
        cb = DealCb(action=CardAction.OPEN, deal_id=task.deal_id)
        row = [InlineKeyboardButton(text=t("task.btn.deal"), callback_data=cb.pack())]
        if task.is_open and task.deal_version is not None:
            nxt = next_stage_button(t, task.deal_id, task.deal_version)
            row.append(InlineKeyboardButton.model_validate(nxt))
        rows.append(row)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def reminder(t: Translator, task: Task, now: datetime, tz: ZoneInfo) -> tuple[str, dict[str, Any]]:
    """The reminder: its header over the task card (never "overdue" when on time), and its
    keyboard as Telegram's JSON. Also what a reminder's buttons turn it into."""
    body = task_text(t, task, now, tz, on_time=is_on_time(task, now))
    markup = reminder_keyboard(t, task)
    return t("task.reminder", body=body), markup.model_dump(mode="json", exclude_none=True)
