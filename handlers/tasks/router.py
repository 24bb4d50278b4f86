"""`/task`, `/tasks`, the task card and the buttons of reminders and next-step prompts."""

from __future__ import annotations

import html
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.domain.errors import StaleButtonError
from bot.domain.ids import DealId
from bot.domain.tasks import Task
from bot.domain.text import TASK_MAX, clean_text
from bot.domain.when import WhenError, parse_when
from bot.i18n import all_variants
from bot.services import deals, tasks
from handlers.context import Ctx
from handlers.deals.callbacks import CardAction, DealCb
from handlers.deals.views import card_screen
from handlers.filters import IsStaff, TypedText
from handlers.keyboards import settle
from handlers.screens import message_of, show
from handlers.tasks import actions
from handlers.tasks.actions import SNOOZES, on_reschedule_typed
from handlers.tasks.callbacks import (
    CardStepCb,
    DueCb,
    NextStepCb,
    ReminderCb,
    TaskAction,
    TaskCb,
    TasksCb,
    from_minutes,
)
from handlers.tasks.next_step import next_step_set
from handlers.tasks.states import NewTask, Reschedule
from handlers.tasks.views import (
    due_keyboard,
    fmt_due,
    list_keyboard,
    list_text,
    task_keyboard,
)


async def cmd_task(message: Message, ctx: Ctx, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(NewTask.text)
    await message.answer(ctx.t("task.ask_text"))


async def on_deal_task(
    query: CallbackQuery, ctx: Ctx, callback_data: DealCb, state: FSMContext
) -> None:
    view = await deals.open_deal(ctx.uow, ctx.staff, DealId(callback_data.deal_id), ctx.now)
    await state.clear()
    await state.set_state(NewTask.text)
    await state.update_data(deal_id=view.deal.id)
    await query.answer()
    await message_of(query).answer(
        ctx.t("task.ask_text_for_deal", deal=html.escape(view.deal.title))
    )


async def on_task_text(message: Message, ctx: Ctx, state: FSMContext) -> None:
    await state.update_data(text=clean_text(message.text, TASK_MAX))
    await state.set_state(NewTask.due)
    await message.answer(ctx.t("task.ask_due"), reply_markup=due_keyboard(ctx.t, ctx.now, ctx.tz))


async def on_due_picked(
    query: CallbackQuery, ctx: Ctx, callback_data: DueCb, state: FSMContext
) -> None:
    due = from_minutes(callback_data.at)
    if due <= ctx.now:
        await query.answer(ctx.t("when.past"), show_alert=True)
        return
    await query.answer()
    await settle(query)
    await _create(message_of(query), ctx, state, due)


async def on_due_typed(message: Message, ctx: Ctx, state: FSMContext) -> None:
    try:
        due = parse_when(message.text or "", ctx.now, ctx.tz)
    except WhenError as error:
        await message.answer(
            ctx.t(f"when.{error.reason}"), reply_markup=due_keyboard(ctx.t, ctx.now, ctx.tz)
        )
        return
    await _create(message, ctx, state, due)


async def _create(message: Message, ctx: Ctx, state: FSMContext, due: datetime) -> None:
    data = await state.get_data()
    await state.clear()  # before the write: a double press cannot create the task twice
    if "text" not in data:
        raise StaleButtonError()
    deal_id = data.get("deal_id")
    task = await tasks.create_task(
        ctx.uow,
        ctx.staff,
        text=data["text"],
        due_at=due,
        now=ctx.now,
        deal_id=DealId(deal_id) if deal_id else None,
    )
    await _answer_created(message, ctx, task)


async def _answer_created(message: Message, ctx: Ctx, task: Task) -> None:
    text = ctx.t(
        "task.created",
        text=html.escape(task.text),
        due=fmt_due(ctx.t, task.due_at, ctx.now, ctx.tz),
    )
    await message.answer(text, reply_markup=task_keyboard(ctx.t, task, back=False))


async def _set_next_step(
    query: CallbackQuery, ctx: Ctx, deal_id: int, at: int, state: FSMContext
) -> tuple[deals.DealView, Task] | None:
    """A quick pick's task with the default text, the deal's prompt answered; None (the press
    answered) for a time already past."""
    due = from_minutes(at)
    if due <= ctx.now:
        await query.answer(ctx.t("when.past"), show_alert=True)
        return None
    view = await deals.open_deal(ctx.uow, ctx.staff, DealId(deal_id), ctx.now)
    text = ctx.t("task.next_step_text", stage=view.stage.name)
    task = await tasks.create_task(
        ctx.uow, ctx.staff, text=text, due_at=due, now=ctx.now, deal_id=view.deal.id
    )
    await next_step_set(state, view.deal.id)
    return view, task


async def on_next_step(
    query: CallbackQuery, ctx: Ctx, callback_data: NextStepCb, state: FSMContext
) -> None:
    picked = await _set_next_step(query, ctx, callback_data.deal_id, callback_data.at, state)
    if picked is None:
        return
    _, task = picked
    await query.answer(ctx.t("task.created_toast"))
    done = ctx.t(
        "task.created",
        text=html.escape(task.text),
        due=fmt_due(ctx.t, task.due_at, ctx.now, ctx.tz),
    )
    await message_of(query).edit_text(done, reply_markup=task_keyboard(ctx.t, task, back=False))


async def on_card_step(
    query: CallbackQuery, ctx: Ctx, callback_data: CardStepCb, state: FSMContext
) -> None:
    """A quick pick in the card that asked: the task is set and the card shows it, without
    the question (the card stays the card)."""
    picked = await _set_next_step(query, ctx, callback_data.deal_id, callback_data.at, state)
    if picked is None:
        return
    view = await deals.open_deal(ctx.uow, ctx.staff, picked[0].deal.id, ctx.now)  # its next task
    await show(query, card_screen(ctx.t, view, ctx.tz), ctx.t("task.created_toast"))


async def cmd_tasks(message: Message, ctx: Ctx, state: FSMContext) -> None:
    await state.clear()
    text, markup = await _task_list(ctx=ctx)
    await message.answer(text, reply_markup=markup)


async def on_tasks_list(query: CallbackQuery, ctx: Ctx, state: FSMContext) -> None:
    await state.clear()
    await show(query, await _task_list(ctx=ctx))


async def _task_list(ctx: Ctx) -> tuple[str, InlineKeyboardMarkup]:
    listing = await tasks.my_tasks(ctx.uow, ctx.staff, ctx.now, ctx.tz)
    return list_text(ctx.t, listing, ctx.now, ctx.tz), list_keyboard(listing)


def build_router() -> Router:
    """A fresh router: each dispatcher (tests build many) gets its own."""
    router = Router(name="tasks")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.message(Command("task"))(cmd_task)
    router.message(Command("tasks"))(cmd_tasks)
    router.message(F.text.in_(all_variants("menu.tasks")))(cmd_tasks)
    router.callback_query(DealCb.filter(F.action == CardAction.TASK))(on_deal_task)
    router.message(NewTask.text, TypedText())(on_task_text)
    router.callback_query(NewTask.due, DueCb.filter())(on_due_picked)
    router.message(NewTask.due, TypedText())(on_due_typed)
    router.callback_query(NextStepCb.filter())(on_next_step)
    router.callback_query(CardStepCb.filter())(on_card_step)
    router.callback_query(TasksCb.filter())(on_tasks_list)
    router.callback_query(TaskCb.filter(F.action == TaskAction.OPEN))(actions.on_task_open)
    router.callback_query(TaskCb.filter(F.action == TaskAction.DONE))(actions.on_task_done)
    router.callback_query(TaskCb.filter(F.action.in_(SNOOZES)))(actions.on_task_snooze)
    reschedule = TaskCb.filter(F.action == TaskAction.RESCHEDULE)
    router.callback_query(reschedule)(actions.on_task_reschedule)
    router.callback_query(ReminderCb.filter(F.action == TaskAction.DONE))(actions.on_reminder_done)
    router.callback_query(ReminderCb.filter(F.action.in_(SNOOZES)))(actions.on_reminder_snooze)
    router.message(Reschedule.due, TypedText())(on_reschedule_typed)
    return router
