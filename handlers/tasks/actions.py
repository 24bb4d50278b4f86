"""The buttons on a task: done, snoozes and rescheduling, on its card or on its reminder."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.domain.ids import TaskId
from bot.domain.models import User
from bot.domain.tasks import Task
from bot.domain.when import WhenError, parse_when
from bot.i18n import Translator
from bot.services import tasks
from bot.services.ports import UnitOfWork
from handlers.tasks.callbacks import ReminderCb, TaskAction, TaskCb, from_minutes
from handlers.tasks.states import Reschedule
from handlers.tasks.views import (
    fmt_due,
    reminder,
    reschedule_keyboard,
    task_keyboard,
    task_text,
)

TOMORROW_AT = time(10, 0)


async def on_task_action(
    query: CallbackQuery,
    callback_data: TaskCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
    state: FSMContext,
) -> None:
    task_id, action = TaskId(callback_data.task_id), callback_data.action
    if action is TaskAction.RESCHEDULE:
        await _offer_reschedule(query, uow, user, t, tz, now, state, task_id)
        return
    await state.clear()
    task = await _act(query, uow, user, t, tz, now, task_id, action, callback_data.at)
    if task is not None and isinstance(query.message, Message):
        await query.message.edit_text(
            task_text(t, task, now, tz), reply_markup=task_keyboard(t, task)
        )


async def on_reminder_action(
    query: CallbackQuery,
    callback_data: ReminderCb,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
    state: FSMContext,
) -> None:
    """Done, +1 hour or tomorrow on a reminder: it stays a reminder, header and all."""
    await state.clear()
    task_id = TaskId(callback_data.task_id)
    task = await _act(query, uow, user, t, tz, now, task_id, callback_data.action, 0)
    if task is not None and isinstance(query.message, Message):
        text, markup = reminder(t, task, now, tz)
        await query.message.edit_text(text, reply_markup=InlineKeyboardMarkup(**markup))


async def _act(
    query: CallbackQuery,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
    task_id: TaskId,
    action: TaskAction,
    at: int,
) -> Task | None:
    """Do what the button says and answer the press; None: a time already past (alerted)."""
    toast = ""
    if action is TaskAction.OPEN:
        task = await tasks.open_task(uow, user, task_id)
    elif action is TaskAction.DONE:
        task, toast = await tasks.complete_task(uow, user, task_id, now), t("task.done_toast")
    else:
        due = _new_due(action, at, now, tz)
        if due is None or due <= now:
            await query.answer(t("when.past"), show_alert=True)
            return None
        task = await tasks.reschedule_task(uow, user, task_id, due, now)
        toast = t("task.moved_toast", due=fmt_due(t, due, now, tz))
    await query.answer(toast)
    return task


def _new_due(action: TaskAction, at: int, now: datetime, tz: ZoneInfo) -> datetime | None:
    if action is TaskAction.HOUR:
        return now + timedelta(hours=1)
    if action is TaskAction.TOMORROW:
        day = now.astimezone(tz).date() + timedelta(days=1)
        return datetime.combine(day, TOMORROW_AT, tzinfo=tz)
    if action is TaskAction.AT:
        return from_minutes(at)
    return None


async def _offer_reschedule(
    query: CallbackQuery,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
    state: FSMContext,
    task_id: TaskId,
) -> None:
    task = await tasks.open_task(uow, user, task_id)
    await state.set_state(Reschedule.due)
    await state.update_data(task_id=task.id)
    await query.answer()
    if isinstance(query.message, Message):
        text = task_text(t, task, now, tz) + "\n\n" + t("task.ask_new_due")
        await query.message.edit_text(text, reply_markup=reschedule_keyboard(t, task, now, tz))


async def on_reschedule_typed(
    message: Message,
    uow: UnitOfWork,
    user: User,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
    state: FSMContext,
) -> None:
    task_id = TaskId((await state.get_data())["task_id"])
    try:
        due = parse_when(message.text or "", now, tz)
    except WhenError as error:
        await message.answer(t(f"when.{error.reason}"))
        return
    await state.clear()
    task = await tasks.reschedule_task(uow, user, task_id, due, now)
    await message.answer(task_text(t, task, now, tz), reply_markup=task_keyboard(t, task))
