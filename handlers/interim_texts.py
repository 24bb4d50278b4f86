"""Until the one notifier lands: lists joined plainly (replaced by TelegramNotifier.compose)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.models import User
from bot.domain.notices import Entry, Merge
from handlers.alerts import unreachable_text


class InterimTexts:
    def compose(
        self, reader: User | None, entries: Sequence[Entry], why: Merge
    ) -> tuple[str, dict[str, Any] | None]:
        text = "\n".join(e.text for e in entries[:10])
        rows = [list(row) for e in entries[:10] for row in e.buttons]
        return text, {"inline_keyboard": rows} if rows else None

    def unreachable(self, head: User, user: User) -> str:
        return unreachable_text(head, user)
