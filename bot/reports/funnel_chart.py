"""The funnel picture: how many deals reached each stage and where the most are lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.reports.style import (
    BLUE,
    GREEN,
    INK,
    MUTED,
    RED,
    TEXT,
    bare,
    group,
    heading,
    new_figure,
    percent,
    shorten,
    show_no_data,
    tick_labels,
    to_png,
)

if TYPE_CHECKING:  # matplotlib itself loads with the first chart, in its `render()` thread
    from matplotlib.axes import Axes

_NAME_CHARS = 24  # a stage's name beside its bar; longer ones end in "…"
_ROW = 0.62  # inches per bar and the gap under it that holds the conversion
_CHROME = 1.1  # inches of title and margins
_MIN_HEIGHT = 2.6  # inches: a short funnel keeps slim bars rather than stretching them
_BAR = 0.56  # bar height in rows; the rest of the row holds the conversion
_INSIDE = 0.14  # a bar at least this share of the widest holds its count inside
_SLIVER = 0.006  # a stage that some deals reached never shrinks to nothing
_ARROW = "\u2193"


@dataclass(frozen=True, slots=True)
class FunnelBar:
    name: str  # stage name
    reached: int  # deals that reached the stage
    rate: float | None  # share that went beyond it (0..1), None when reached == 0

    def __post_init__(self) -> None:
        if self.reached < 0:
            raise ValueError(f"a count cannot be negative: {self}")
        if self.rate is not None and not 0 <= self.rate <= 1:
            raise ValueError(f"a conversion is a share 0..1: {self}")


def funnel_png(
    bars: Sequence[FunnelBar],
    *,
    title: str,
    won_label: str,
    won: int,
    no_data: str,
    lang: str,
) -> bytes:
    """A centred funnel: bar width ∝ deals reached, the conversion between bars, won last.

    The weakest conversion (when the stages differ) is red and bold: work starts there.
    No deals at all shows `no_data`.
    """
    slots = [*((bar.name, bar.reached) for bar in bars), (won_label, won)]
    fig, ax = new_figure(max(_MIN_HEIGHT, _CHROME + _ROW * len(slots)))
    heading(fig, ax, title, [])
    widest = max(count for _, count in slots)
    if widest == 0:
        ax.set_axis_off()
        show_no_data(ax, no_data)
        return to_png(fig)
    bare(ax, labelsize=13)
    ax.set_xticks([])
    ax.set_xlim(-widest * 0.51, widest * 0.51)
    ax.set_ylim(len(slots) - 1 + _BAR / 2 + 0.05, -_BAR / 2 - 0.05)
    for row, (_, count) in enumerate(slots):
        _bar(ax, row, count, widest, GREEN if row == len(bars) else BLUE, lang)
    weakest = _weakest(bars)
    for row, bar in enumerate(bars):
        if bar.rate is not None:
            _conversion(ax, row + 0.5, bar.rate, highlight=row in weakest, lang=lang)
    names = [shorten(name, _NAME_CHARS) for name, _ in slots]
    tick_labels(ax, "y", range(len(slots)), names, size=13)
    return to_png(fig)


def _bar(ax: Axes, row: int, count: int, widest: int, color: str, lang: str) -> None:
    width = max(count, widest * _SLIVER) if count else 0
    ax.barh(row, width, left=-width / 2, height=_BAR, color=color)
    inside = width >= widest * _INSIDE
    beside = not inside and count > 0
    ax.text(
        width / 2 + widest * 0.012 if beside else 0,
        row,
        group(count, lang),
        ha="left" if beside else "center",
        va="center",
        fontsize=14,
        fontweight="bold",
        color="white" if inside else INK,
        **TEXT,
    )


def _conversion(ax: Axes, y: float, rate: float, *, highlight: bool, lang: str) -> None:
    ax.text(
        0,
        y,
        f"{_ARROW} {percent(rate, lang)}",
        ha="center",
        va="center",
        fontsize=13 if highlight else 12,
        fontweight="bold" if highlight else "normal",
        color=RED if highlight else MUTED,
        **TEXT,
    )


def _weakest(bars: Sequence[FunnelBar]) -> set[int]:
    """The rows with the lowest conversion, unless every stage converts alike."""
    rates = {row: bar.rate for row, bar in enumerate(bars) if bar.rate is not None}
    if len(set(rates.values())) < 2:
        return set()
    lowest = min(rates.values())
    return {row for row, rate in rates.items() if rate == lowest}
