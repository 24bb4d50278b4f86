"""The notices of a seller's day: reminders, the missed-reminders summary, the morning
agenda; and the one-liners to heads (a member blocked the bot, a colleague's work handed over)."""

from __future__ import annotations

import html
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.calendar import end_of_day
from bot.domain.models import Deal, User
from bot.domain.notices import Button, Entry, Notice, task_ref
from bot.domain.tasks import Task
from bot.i18n import Translator, translator
from bot.services.agenda import Agenda
from bot.services.members import Handover
from handlers.compose import compose_body
from handlers.deals.callbacks import CardAction, DealCb
from handlers.deals.views import next_stage_button, short
from handlers.lists import EntryAction, entry_button
from handlers.tasks.views import is_on_time, reminder, task_line
from handlers.texts import MESSAGE_BUDGET


def reminder_notice(task: Task, user: User, now: datetime, tz: ZoneInfo) -> Notice:
    """The reminder on its own (text and keyboard), and as one entry of a list."""
    t = translator(user.language)
    text, markup = reminder(t, task, now, tz)
    assert task.remind_at is not None
    entry = reminder_entry(t, task, now, tz)
    return Notice(
        chat_id=user.tg_id,
        kind="reminder",
        text=text,
        user_id=user.id,
        dedup_key=f"remind:{task.id}:{int(task.remind_at.timestamp())}",
        reply_markup=markup,
        entries=(entry,),
        ref=entry.ref,
    )


def reminder_entry(t: Translator, task: Task, now: datetime, tz: ZoneInfo) -> Entry:
    """One line (when, what, which deal) and one row: done, and the deal's card."""
    row = [entry_button(short("✅ " + task.text), EntryAction.DONE, task.id)]
    if task.deal_id:
        row.append(entry_button(t("task.btn.deal"), EntryAction.DEAL, task.deal_id))
    rows = [tuple(row)]
    if task.deal_id and task.deal_version is not None:  # one tap moves the deal on
        rows.append((next_stage_button(t, task.deal_id, task.deal_version),))
    return Entry(
        kind="reminder",
        text=task_line(t, task, now, tz, on_time=is_on_time(task, now)),
        buttons=tuple(rows),
        ref=task_ref(task.id, task.due_at),
    )


def missed_notice(user: User, tasks: list[Task], now: datetime, tz: ZoneInfo) -> Notice:
    """While the bot was down these came due: one summary instead of a burst of reminders."""
    t = translator(user.language)
    entries = tuple(reminder_entry(t, task, now, tz) for task in tasks)
    header = t("reminder.missed", count=len(tasks))
    body, markup = compose_body(t, entries, MESSAGE_BUDGET - len(header))
    first = min(int(task.remind_at.timestamp()) for task in tasks if task.remind_at)
    return Notice(
        chat_id=user.tg_id,
        kind="reminder",
        text=f"{header}\n{body}",
        user_id=user.id,
        dedup_key=f"missed:{user.id}:{first}",
        reply_markup=markup,
        entries=entries,
    )


def _agenda_rows(t: Translator, agenda: Agenda) -> tuple[tuple[Button, ...], ...]:
    rows = [
        (entry_button(short("✅ " + task.text), EntryAction.DONE, task.id),)
        for task in (agenda.overdue + agenda.today)[:5]
    ]
    rows += [  # one tap to set the missing next step
        (_deal_button("⏭ " + deal.title, CardAction.TASK, deal),)
        for deal in agenda.without_task[:3]
    ]
    rows += [  # the card, under the list: move it on or close it
        (entry_button(short("💼 " + deal.title), EntryAction.DEAL, deal.id),)
        for deal in agenda.stalled[:3]
    ]
    return tuple(rows)


def agenda_notice(agenda: Agenda, day: date, now: datetime, tz: ZoneInfo) -> Notice:
    """The day's plan: one block that may go out merged with a stall list due with it."""
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
    text = "\n".join(lines)
    rows = _agenda_rows(t, agenda)
    return Notice(
        chat_id=user.tg_id,
        kind="agenda",
        text=text,
        user_id=user.id,
        dedup_key=f"agenda:{user.id}:{day.isoformat()}",
        reply_markup={"inline_keyboard": [list(row) for row in rows]},
        entries=(Entry(kind="agenda", text=text, buttons=rows),),
        expires_at=end_of_day(day, tz),
    )


def _deal_button(text: str, action: CardAction, deal: Deal) -> Button:
    return {"text": short(text), "callback_data": DealCb(action=action, deal_id=deal.id).pack()}


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
            deals=handover.deals,
            tasks=handover.tasks,
        ),
        user_id=reader.id,
        dedup_key=f"handover:{handover.member.id}:{reader.id}:{handover.deals}:{handover.tasks}",
    )
