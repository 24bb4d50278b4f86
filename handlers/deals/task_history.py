"""A deal's tasks in its history: set (for when), moved (from → to), done."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.deals import DealEvent, EventKind
from bot.i18n import Translator
from handlers.texts import escaped

TASK_KINDS = frozenset({EventKind.TASK_SET, EventKind.TASK_MOVED, EventKind.TASK_DONE})
TASK_SHOWN = 80  # a task's text in the history; the whole of it stays in the database


def _moment(raw: str | None, tz: ZoneInfo) -> str:
    if raw is None:
        return "—"
    return datetime.fromisoformat(raw).astimezone(tz).strftime("%d.%m %H:%M")


def task_history_text(t: Translator, ev: DealEvent, tz: ZoneInfo) -> str:
    return t(
        f"history.{ev.kind.value}",
        text=escaped(ev.text or "", TASK_SHOWN),
        due=_moment(ev.after, tz),
        before=_moment(ev.before, tz),
        after=_moment(ev.after, tz),
    )
