"""The buttons on a task: done, snoozes and rescheduling, on its card or on its reminder."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.domain.ids import TaskId
from bot.domain.tasks import Task
from bot.domain.when import WhenError, parse_when
from bot.services import tasks
from handlers.context import Ctx
from handlers.screens import message_of
from handlers.tasks.callbacks import ReminderCb, TaskAction, TaskCb, from_minutes
from handlers.tasks.next_step import after_done
from handlers.tasks.states import Reschedule
from handlers.tasks.views import (
    fmt_due,
    reminder,
    reschedule_keyboard,
    task_keyboard,
    task_text,
)

TOMORROW_AT = time(10, 0)
# The buttons that move a task to a new time.
SNOOZES = frozenset({TaskAction.HOUR, TaskAction.TOMORROW, TaskAction.AT})


async def on_task_open(
    query: CallbackQuery, ctx: Ctx, callback_data: TaskCb, state: FSMContext
) -> None:
    await state.clear()
    task = await tasks.open_task(ctx.uow, ctx.staff, TaskId(callback_data.task_id))
    await query.answer()
    await _show_task(query, ctx, task)


async def on_task_done(
    query: CallbackQuery, ctx: Ctx, callback_data: TaskCb, state: FSMContext
) -> None:
    await state.clear()
    task = await _done(query, ctx, TaskId(callback_data.task_id))
    await _show_task(query, ctx, task)
    await after_done(message_of(query), ctx, state, task)


async def on_task_snooze(
    query: CallbackQuery, ctx: Ctx, callback_data: TaskCb, state: FSMContext
) -> None:
    """+1 hour, tomorrow 10:00, or a quick pick (`at`)."""
    await state.clear()
    task_id = TaskId(callback_data.task_id)
    task = await _snooze(query, ctx, task_id, callback_data.action, callback_data.at)
    if task is not None:
        await _show_task(query, ctx, task)


async def on_task_reschedule(
    query: CallbackQuery, ctx: Ctx, callback_data: TaskCb, state: FSMContext
) -> None:
    """The quick picks under the card; or the new time typed."""
    task = await tasks.open_task(ctx.uow, ctx.staff, TaskId(callback_data.task_id))
    await state.set_state(Reschedule.due)
    await state.update_data(task_id=task.id)
    await query.answer()
    text = task_text(ctx.t, task, ctx.now, ctx.tz) + "\n\n" + ctx.t("task.ask_new_due")
    await message_of(query).edit_text(
        text, reply_markup=reschedule_keyboard(ctx.t, task, ctx.now, ctx.tz)
    )


async def on_reminder_done(
    query: CallbackQuery, ctx: Ctx, callback_data: ReminderCb, state: FSMContext
) -> None:
    """Done on a reminder: it stays a reminder, header and all (and so do the snoozes)."""
    await state.clear()
    task = await _done(query, ctx, TaskId(callback_data.task_id))
    await _show_reminder(query, ctx, task)
    await after_done(message_of(query), ctx, state, task)


async def on_reminder_snooze(
    query: CallbackQuery, ctx: Ctx, callback_data: ReminderCb, state: FSMContext
) -> None:
    await state.clear()
    task = await _snooze(query, ctx, TaskId(callback_data.task_id), callback_data.action, 0)
    if task is not None:
        await _show_reminder(query, ctx, task)


async def _show_task(query: CallbackQuery, ctx: Ctx, task: Task) -> None:
    await message_of(query).edit_text(
        task_text(ctx.t, task, ctx.now, ctx.tz), reply_markup=task_keyboard(ctx.t, task)
    )


async def _show_reminder(query: CallbackQuery, ctx: Ctx, task: Task) -> None:
    text, markup = reminder(ctx.t, task, ctx.now, ctx.tz)
    await message_of(query).edit_text(text, reply_markup=InlineKeyboardMarkup(**markup))


async def _done(query: CallbackQuery, ctx: Ctx, task_id: TaskId) -> Task:
    task = await tasks.complete_task(ctx.uow, ctx.staff, task_id, ctx.now)
    await query.answer(ctx.t("task.done_toast"))
    return task


async def _snooze(
    query: CallbackQuery, ctx: Ctx, task_id: TaskId, action: TaskAction, at: int
) -> Task | None:
    """Move the task as the button says and answer the press; None: a time already past
    (alerted)."""
    due = _new_due(action, at, ctx.now, ctx.tz)
    if due is None or due <= ctx.now:
        await query.answer(ctx.t("when.past"), show_alert=True)
        return None
    task = await tasks.reschedule_task(ctx.uow, ctx.staff, task_id, due, ctx.now)
    await query.answer(ctx.t("task.moved_toast", due=fmt_due(ctx.t, due, ctx.now, ctx.tz)))
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


async def on_reschedule_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    task_id = TaskId((await state.get_data())["task_id"])
    try:
        due = parse_when(message.text or "", ctx.now, ctx.tz)
    except WhenError as error:
        await message.answer(ctx.t(f"when.{error.reason}"))
        return
    await state.clear()
    task = await tasks.reschedule_task(ctx.uow, ctx.staff, task_id, due, ctx.now)
    await message.answer(
        task_text(ctx.t, task, ctx.now, ctx.tz), reply_markup=task_keyboard(ctx.t, task)
    )
