"""Overdue tasks told to a seller's head: one line a task (when, what, whose), the deal's card a
tap away; one task reads as a sentence, several as a list (paged by `compose`)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.models import User
from bot.domain.notices import Entry, Merge, Notice, task_ref
from bot.i18n import Translator, translator
from bot.services.escalations import Overdue
from handlers.compose import compose
from handlers.lists import EntryAction, entry_button
from handlers.tasks.views import task_line
from handlers.texts import escaped

OVERDUE = "overdue"


def overdue_entry(t: Translator, item: Overdue, now: datetime, tz: ZoneInfo) -> Entry:
    task = item.task
    who = escaped(item.assignee.name, 40)
    rows: tuple[tuple[dict[str, Any], ...], ...] = ()
    if task.deal_id:
        rows = ((entry_button(t("task.btn.deal"), EntryAction.DEAL, task.deal_id),),)
    return Entry(
        kind=OVERDUE,
        text=f"{task_line(t, task, now, tz)} · 👤 {who}",
        buttons=rows,
        ref=task_ref(task.id, task.due_at),
    )


def overdue_list(
    head: User, items: Sequence[Overdue], run: str, now: datetime, tz: ZoneInfo
) -> Notice:
    """One notice of this run's overdue tasks for one head; the key names the head, the run
    and its first task."""
    assert items
    t = translator(head.language)
    entries = tuple(overdue_entry(t, item, now, tz) for item in items)
    markup: dict[str, Any] | None
    if len(entries) == 1:
        task, who = items[0].task, items[0].assignee
        text = t(
            "overdue.one",
            who=html.escape(who.name),
            task=html.escape(task.text),
            deal=html.escape(task.deal_title or "—"),
            due=task.due_at.astimezone(tz).strftime("%d.%m %H:%M"),
        )
        markup = {"inline_keyboard": [list(row) for row in entries[0].buttons]}
        ref = entries[0].ref
    else:
        (text, markup), ref = compose(head, entries, Merge.TOGETHER), None
    return Notice(
        chat_id=head.tg_id,
        kind=OVERDUE,
        text=text,
        user_id=head.id,
        dedup_key=f"overdue:{head.id}:{run}:{items[0].task.id}",
        reply_markup=markup if markup and markup.get("inline_keyboard") else None,
        entries=entries,
        ref=ref,
    )
