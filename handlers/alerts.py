"""The notices scheduled jobs send: reminders, morning agendas, stall alerts."""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.models import Deal, User
from bot.domain.notices import Notice
from bot.domain.tasks import Task
from bot.i18n import Translator, translator
from bot.services.agenda import Agenda, Stall
from bot.services.members import Handover
from handlers.deals.callbacks import CardAction, DealCb
from handlers.deals.views import short
from handlers.tasks.callbacks import TaskAction, TaskCb
from handlers.tasks.views import reminder, task_line


def _json(markup: InlineKeyboardMarkup) -> dict[str, Any]:
    return markup.model_dump(mode="json", exclude_none=True)


def reminder_notice(task: Task, user: User, now: datetime, tz: ZoneInfo) -> Notice:
    text, markup = reminder(translator(user.language), task, now, tz)
    assert task.remind_at is not None
    return Notice(
        chat_id=user.tg_id,
        kind="reminder",
        text=text,
        user_id=user.id,
        dedup_key=f"remind:{task.id}:{int(task.remind_at.timestamp())}",
        reply_markup=markup,
    )


def missed_notice(user: User, tasks: list[Task], now: datetime, tz: ZoneInfo) -> Notice:
    """While the bot was down these came due: one summary instead of a burst of reminders."""
    t = translator(user.language)
    lines = [t("reminder.missed", count=len(tasks))]
    lines += [task_line(t, task, now, tz) for task in tasks[:10]]
    first = min(int(task.remind_at.timestamp()) for task in tasks if task.remind_at)
    return Notice(
        chat_id=user.tg_id,
        kind="reminder",
        text="\n".join(lines),
        user_id=user.id,
        dedup_key=f"missed:{user.id}:{first}",
        reply_markup=_json(_tasks_keyboard(t, tasks)),
    )


def _tasks_keyboard(t: Translator, tasks: list[Task]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for task in tasks[:5]:
        cb = TaskCb(action=TaskAction.DONE, task_id=task.id)
        kb.button(text=short("✅ " + task.text), callback_data=cb)
    kb.adjust(1)
    return kb.as_markup()


def agenda_notice(agenda: Agenda, day: date, now: datetime, tz: ZoneInfo) -> Notice:
    user = agenda.user
    t = translator(user.language)
    lines = [t("agenda.title", name=html.escape(user.name))]
    for key, tasks in (("agenda.overdue", agenda.overdue), ("agenda.today", agenda.today)):
        if tasks:
            lines.append(f"\n<b>{t(key, count=len(tasks))}</b>")
            lines += [task_line(t, task, now, tz) for task in tasks[:5]]
    for key, deals, total in (
        ("agenda.without_task", agenda.without_task, agenda.without_task_total),
        ("agenda.stalled", agenda.stalled, agenda.stalled_total),
    ):
        if total:
            lines.append(f"\n<b>{t(key, count=total)}</b>")
            lines += [f"• {html.escape(d.title)}" for d in deals]
    kb = _tasks_keyboard(t, agenda.overdue + agenda.today)
    for deal in agenda.without_task[:3]:  # one tap to set the missing next step
        kb.inline_keyboard.append([_deal_button("⏭ " + deal.title, CardAction.TASK, deal)])
    for deal in agenda.stalled[:3]:  # the card: move it on or close it
        kb.inline_keyboard.append(_deal_row(t, deal))
    return Notice(
        chat_id=user.tg_id,
        kind="agenda",
        text="\n".join(lines),
        user_id=user.id,
        dedup_key=f"agenda:{user.id}:{day.isoformat()}",
        reply_markup=_json(kb),
    )


def _deal_button(text: str, action: CardAction, deal: Deal) -> InlineKeyboardButton:
    cb = DealCb(action=action, deal_id=deal.id)
    return InlineKeyboardButton(text=short(text), callback_data=cb.pack())


def _deal_row(t: Translator, deal: Deal) -> list[InlineKeyboardButton]:
    return [_deal_button("💼 " + deal.title, CardAction.OPEN, deal)]


def stall_notice(stall: Stall, reader: User, owner_name: str, *, for_head: bool) -> Notice:
    t = translator(reader.language)
    deal = stall.deal
    key = "stall.head" if for_head else "stall.owner"
    text = t(
        key,
        deal=html.escape(deal.title),
        stage=html.escape(stall.stage.name),
        limit=t.n("days", stall.stage.stall_days),
        owner=html.escape(owner_name),
    )
    kb = InlineKeyboardBuilder()
    kb.row(*_deal_row(t, deal))
    if not for_head:
        kb.row(
            _deal_button(t("card.btn.task"), CardAction.TASK, deal),
            _deal_button(t("card.btn.lost"), CardAction.LOST, deal),
        )
    entered = int(deal.stage_entered_at.timestamp())
    return Notice(
        chat_id=reader.tg_id,
        kind="stall",
        text=text,
        user_id=reader.id,
        dedup_key=f"stall:{deal.id}:{entered}:{reader.id}:{int(for_head)}",
        reply_markup=_json(kb.as_markup()),
    )


def unreachable_text(head: User, user: User) -> str:
    """For a head: a team member blocked the bot, so nothing reaches them any more."""
    return translator(head.language)("unreachable.head", name=html.escape(user.name))


def handover_notice(handover: Handover) -> Notice:
    """The colleague who takes over a deactivated member's work is told once."""
    reader = handover.successor
    t = translator(reader.language)
    return Notice(
        chat_id=reader.tg_id,
        kind="handover",
        text=t(
            "handover.notice",
            name=html.escape(handover.member.name),
            deals=t.n("deals_count", handover.deals),
            tasks=handover.tasks,
        ),
        user_id=reader.id,
        dedup_key=f"handover:{handover.member.id}:{reader.id}:{handover.deals}:{handover.tasks}",
    )
