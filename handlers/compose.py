"""One message from a person's list entries: a header worded by why they come together, the
entries grouped by kind with their one-tap buttons, and past the first few "…and N more" with
a button to the whole list, so the message keeps within Telegram's limits however long."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.models import User
from bot.domain.notices import Button, Entry, Merge
from bot.i18n import Translator, translator
from handlers.deals.callbacks import DealsPageCb
from handlers.tasks.callbacks import TasksCb
from handlers.texts import MESSAGE_BUDGET

SHOWN = 10  # entries shown with their buttons; a phone screen's worth
MAX_BUTTONS = 100  # Telegram's limit for one inline keyboard
# Sections in this order: the day's plan, then what is due now, then what waits on the deals.
KINDS = ("agenda", "reminder", "escalation", "stall")
TITLED = frozenset({"reminder", "escalation", "stall"})  # an agenda block has its own title
MORE_RESERVE = 60  # characters kept for each section's "…and N more" line

Markup = dict[str, Any] | None


def compose(reader: User | None, entries: Sequence[Entry], why: Merge) -> tuple[str, Markup]:
    """The message (HTML, inline keyboard JSON) of `entries` for `reader`; see `DeliveryTexts`."""
    t = translator(reader.language if reader is not None else "ru")
    groups = _grouped(entries)
    header = _header(t, groups, why)
    lines, rows = _body(t, groups, MESSAGE_BUDGET - len(header))
    text = "\n".join([header, *lines] if header else lines).strip()
    return text, ({"inline_keyboard": rows} if rows else None)


def compose_body(t: Translator, entries: Sequence[Entry], budget: int) -> tuple[str, Markup]:
    """The entries without a header, for a notice that words its own (the missed summary)."""
    lines, rows = _body(t, _grouped(entries), budget)
    return "\n".join(lines).strip(), ({"inline_keyboard": rows} if rows else None)


def _grouped(entries: Sequence[Entry]) -> dict[str, list[Entry]]:
    groups: dict[str, list[Entry]] = {kind: [] for kind in KINDS}
    for entry in entries:
        groups.setdefault(entry.kind, []).append(entry)
    return {kind: group for kind, group in groups.items() if group}


def _header(t: Translator, groups: dict[str, list[Entry]], why: Merge) -> str:
    if why is Merge.TOGETHER:
        return ""  # each section's title counts its entries
    summary = ", ".join(t.n(f"compose.n.{_known(kind)}", len(g)) for kind, g in groups.items())
    return t("compose.outage" if why is Merge.OUTAGE else "compose.held", summary=summary)


def _known(kind: str) -> str:
    """A kind this notifier words, or "other" for one it does not know (yet)."""
    return kind if kind in KINDS else "other"


def _body(
    t: Translator, groups: dict[str, list[Entry]], budget: int
) -> tuple[list[str], list[list[Button]]]:
    lines: list[str] = []
    rows: list[list[Button]] = []
    size, shown = 0, 0
    reserve_text, reserve_buttons = MORE_RESERVE * len(groups), len(groups)
    for kind, group in groups.items():
        if kind in TITLED or kind not in KINDS:
            title = f"<b>{t(f'compose.kind.{_known(kind)}', count=len(group))}</b>"
            lines.append("\n" + title)
            size += len(title) + 2
        hidden = 0
        for entry in group:
            buttons = sum(len(row) for row in entry.buttons)
            fits = (
                shown < SHOWN
                and size + len(entry.text) + 1 + reserve_text <= budget
                and _count(rows) + buttons + reserve_buttons <= MAX_BUTTONS
            )
            if not fits:
                hidden += 1
                continue
            lines.append(entry.text)
            rows += [list(row) for row in entry.buttons]
            size, shown = size + len(entry.text) + 1, shown + 1
        if hidden:
            lines.append(t("more", n=hidden))
            more = _whole_list(t, kind)
            if more is not None:
                rows.append([more])
    return lines, rows


def _count(rows: list[list[Button]]) -> int:
    return sum(len(row) for row in rows)


def _whole_list(t: Translator, kind: str) -> Button | None:
    """The screen that lists every entry of the kind, behind "…and N more"."""
    if kind == "reminder":
        return {"text": t("compose.all.reminder"), "callback_data": TasksCb().pack()}
    if kind in ("stall", "escalation"):
        data = DealsPageCb(stalled=True).pack()
        return {"text": t("compose.all.stall"), "callback_data": data}
    return None
