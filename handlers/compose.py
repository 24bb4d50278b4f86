"""One message from a person's list entries: a header worded by why they come together, the
entries grouped by kind with their one-tap buttons, paged in place when long (◀ 2/3 ▶: the
reader turns the pages of the same message), so it keeps within Telegram's limits however long."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.filters.callback_data import CallbackData

from bot.domain.models import User
from bot.domain.notices import Button, Entry, Merge
from bot.i18n import Translator, translator
from handlers.cbtypes import CbPage
from handlers.texts import MESSAGE_BUDGET

SHOWN = 10  # entries on a page, with their buttons; a phone screen's worth
MAX_BUTTONS = 100  # Telegram's limit for one inline keyboard
NAV_BUTTONS = 3
# Sections in this order: the day's plan, then what is due now, then what waits on the deals.
KINDS = ("agenda", "reminder", "overdue", "escalation", "stall")
TITLED = frozenset(
    {"reminder", "overdue", "escalation", "stall"}
)  # an agenda block has its own title
TITLE_RESERVE = 80  # characters kept for each section's title

Markup = dict[str, Any] | None


class ListPageCb(CallbackData, prefix="lp"):
    """Turn a list message to a page; the list is found by the message it was sent as."""

    page: CbPage


def compose(
    reader: User | None, entries: Sequence[Entry], why: Merge, page: int = 0
) -> tuple[str, Markup]:
    """The message (HTML, inline keyboard JSON) of `entries` for `reader`, at `page` (clamped
    to the pages there are); see `DeliveryTexts`."""
    t = translator(reader.language if reader is not None else "ru")
    groups = _grouped(entries)
    header = _header(t, groups, why)
    lines, rows = _body(t, groups, MESSAGE_BUDGET - len(header), page)
    text = "\n".join([header, *lines] if header else lines).strip()
    return text, ({"inline_keyboard": rows} if rows else None)


def compose_body(t: Translator, entries: Sequence[Entry], budget: int) -> tuple[str, Markup]:
    """The entries without a header, for a notice that words its own (the missed summary)."""
    lines, rows = _body(t, _grouped(entries), budget, 0)
    return "\n".join(lines).strip(), ({"inline_keyboard": rows} if rows else None)


def page_count(entries: Sequence[Entry], why: Merge) -> int:
    """How many pages the list takes (for a test or a caller that wants to know)."""
    groups = _grouped(entries)
    header = _header(translator("ru"), groups, why)
    return len(_pages(groups, MESSAGE_BUDGET - len(header)))


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


def _pages(groups: dict[str, list[Entry]], budget: int) -> list[list[Entry]]:
    """The entries in section order cut into pages: at most `SHOWN` a page, within the text
    budget (titles kept room for) and Telegram's 100 buttons (the page turner's kept too)."""
    room = budget - TITLE_RESERVE * len(groups)
    pages: list[list[Entry]] = [[]]
    size = buttons = 0
    for entry in (e for group in groups.values() for e in group):
        width = sum(len(row) for row in entry.buttons)
        full = (
            len(pages[-1]) >= SHOWN
            or size + len(entry.text) + 1 > room
            or buttons + width > MAX_BUTTONS - NAV_BUTTONS
        )
        if full and pages[-1]:
            pages.append([])
            size = buttons = 0
        pages[-1].append(entry)
        size, buttons = size + len(entry.text) + 1, buttons + width
    return pages


def _body(
    t: Translator, groups: dict[str, list[Entry]], budget: int, page: int
) -> tuple[list[str], list[list[Button]]]:
    pages = _pages(groups, budget)
    page = min(max(page, 0), len(pages) - 1)
    shown = {id(e) for e in pages[page]}
    lines: list[str] = []
    rows: list[list[Button]] = []
    for kind, group in groups.items():
        on_page = [e for e in group if id(e) in shown]
        if not on_page:
            continue
        if kind in TITLED or kind not in KINDS:
            lines.append(f"\n<b>{t(f'compose.kind.{_known(kind)}', count=len(group))}</b>")
        for entry in on_page:
            lines.append(entry.text)
            rows += [list(row) for row in entry.buttons]
    if len(pages) > 1:
        rows.append(_turner(page, len(pages)))
    return lines, rows


def _turner(page: int, pages: int) -> list[Button]:
    """◀ 2/3 ▶: the middle one shows the page afresh (what was done since drops out)."""

    def to(target: int, text: str) -> Button:
        return {"text": text, "callback_data": ListPageCb(page=target).pack()}

    return [
        to(max(page - 1, 0), "◀"),
        to(page, f"{page + 1}/{pages}"),
        to(min(page + 1, pages - 1), "▶"),
    ]
