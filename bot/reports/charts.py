"""Charts as PNG bytes, sized to be read in a Telegram chat on a phone.

Only `Figure` + `FigureCanvasAgg`: pyplot keeps global figures and state that leak and race
between threads. Fonts and sizes are set on each text rather than through rcParams, which
are process-global and would race when two charts render at once in `render()` threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, ParamSpec

from bot.domain.nps import round_score
from bot.reports.style import (
    AMBER,
    GAP,
    GREEN,
    GRID,
    INK,
    MINUS,
    MUTED,
    RED,
    TEXT,
    bare,
    group,
    new_figure,
    set_title,
    show_no_data,
    tick_labels,
    to_png,
)

if TYPE_CHECKING:  # matplotlib itself loads with the first chart, in its `render()` thread
    from matplotlib.axes import Axes

P = ParamSpec("P")

_Y_PAD = 16  # room above +100 and below −100 for a bar's value label
_MIN_SLOTS = 4  # fewer months are centred at this width instead of becoming fat bars

Point = tuple[date, float | None, int]


async def render(fn: Callable[P, bytes], /, *args: P.args, **kwargs: P.kwargs) -> bytes:
    """Run a chart renderer in a worker thread so the event loop keeps serving updates."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def nps_by_month_png(
    points: Sequence[Point],
    *,
    title: str,
    month_names: Sequence[str],
    no_data: str,
    y_label: str,
    lang: str,
) -> bytes:
    """NPS per month as bars on a fixed −100..+100 scale, with the answers under each month.

    `points` are (first day of month, NPS or None, answers), oldest first; a month nobody
    answered has None and 0 and shows as a gap marked `no_data`. `month_names` are the 12
    short month names in the reader's language, January first.
    """
    _check(points, month_names)
    fig, ax = new_figure()
    _draw_frame(ax, len(points), title, y_label)
    has_data = any(score is not None for _, score, _ in points)
    for x, (_, score, _) in enumerate(points):
        if score is not None:
            _draw_bar(ax, x, score)
        elif has_data:
            _draw_gap(ax, x, no_data, crowded=len(points) > 6)
    if not has_data:
        show_no_data(ax, no_data)
    labels = _month_labels(points, month_names, lang)
    tick_labels(ax, "x", range(len(points)), labels, size=11 if len(points) <= 8 else 10)
    return to_png(fig)


def _check(points: Sequence[Point], month_names: Sequence[str]) -> None:
    if len(month_names) != 12:
        raise ValueError(f"need 12 month names, got {len(month_names)}")
    for month, score, answers in points:
        if answers < 0 or (score is None) != (answers == 0):
            raise ValueError(f"{month}: NPS {score} does not fit {answers} answers")
        if score is not None and not -100 <= score <= 100:
            raise ValueError(f"{month}: NPS {score} is outside −100..+100")


def _draw_frame(ax: Axes, slots: int, title: str, y_label: str) -> None:
    spare = max(0.0, (_MIN_SLOTS - slots) / 2)
    ax.set_xlim(-0.5 - spare, max(slots, 1) - 0.5 + spare)
    ax.set_ylim(-100 - _Y_PAD, 100 + _Y_PAD)
    ticks = [-100, -50, 0, 50, 100]
    ax.set_yticks(ticks, labels=[_signed(t) for t in ticks])
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.axhline(0, color=INK, linewidth=1.2, zorder=3)
    bare(ax, labelsize=11 if slots <= 8 else 10)
    ax.tick_params(axis="y", labelcolor=MUTED)
    set_title(ax, title)
    ax.set_ylabel(y_label, fontsize=11, color=MUTED, **TEXT)


def _draw_bar(ax: Axes, x: int, score: float) -> None:
    shown = round_score(score)
    ax.bar(x, score, width=0.62, color=_color(shown), zorder=2)
    above = shown >= 0
    ax.annotate(
        _signed(shown),
        xy=(x, score),
        xytext=(0, 4 if above else -4),
        textcoords="offset points",
        ha="center",
        va="bottom" if above else "top",
        fontsize=13,
        fontweight="bold",
        color=INK,
        **TEXT,
    )


def _draw_gap(ax: Axes, x: int, no_data: str, *, crowded: bool) -> None:
    ax.axvspan(x - 0.31, x + 0.31, color=GAP, zorder=1)
    ax.text(
        x,
        50,
        no_data,
        ha="center",
        va="center",
        fontsize=10,
        color=MUTED,
        rotation=90 if crowded else 0,
        **TEXT,
    )


def _month_labels(points: Sequence[Point], month_names: Sequence[str], lang: str) -> list[str]:
    """Month, answers, and, when the range spans years, the year under each year's first month."""
    years = {month.year for month, _, _ in points}
    labels = []
    for i, (month, _, answers) in enumerate(points):
        label = f"{month_names[month.month - 1]}\nn={_count(answers, lang)}"
        if len(years) > 1:
            label += f"\n{month.year}" if i == 0 or month.month == 1 else "\n"
        labels.append(label)
    return labels


def _color(shown: int) -> str:
    if shown >= 50:
        return GREEN
    return AMBER if shown >= 0 else RED


def _signed(value: int) -> str:
    if value > 0:
        return f"+{value}"
    return f"{MINUS}{-value}" if value < 0 else "0"


def _count(n: int, lang: str) -> str:
    # Four digits stay whole ("1200"), as Russian typesetting does, so that a year of
    # monthly labels fits side by side; longer numbers are grouped in the reader's way.
    if n < 10_000:
        return str(n)
    return group(n, lang)
