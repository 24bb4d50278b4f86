"""Keeping every message inside Telegram's 4096 characters, whatever people typed."""

from __future__ import annotations

import html

from bot.i18n import Translator

# Telegram's limit is 4096 characters of text; the rest is room for a header or a footer.
MESSAGE_BUDGET = 3800


def clip(text: str, limit: int) -> str:
    """Shorten raw text (before escaping) to `limit` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escaped(text: str, limit: int) -> str:
    return html.escape(clip(text, limit))


def fit(t: Translator, lines: list[str], budget: int = MESSAGE_BUDGET) -> str:
    """Join lines while they fit; the rest become "…and N more"."""
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        if size + len(line) + 1 > budget:
            kept.append(t("more", n=len(lines) - index))
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)
