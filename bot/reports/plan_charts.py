"""The digest's plan pictures: plan against fact per seller, and the month's progress."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from bot.domain.money import format_compact
from bot.reports.style import (
    AMBER,
    BLUE,
    GREEN,
    GRID,
    INK,
    MUTED,
    RED,
    TEXT,
    TRACK,
    bare,
    heading,
    new_figure,
    percent,
    shorten,
    show_no_data,
    tick_labels,
    to_png,
)

if TYPE_CHECKING:  # matplotlib loads with the first chart, in its render() thread
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

_NAME_CHARS = 22  # a seller's name beside a bar; longer ones end in "…"
_ROW = 0.44  # inches per seller: 30 sellers stay readable in a taller picture
_CHROME = 1.5  # inches of title, legend and axis around the rows
_MIN_HEIGHT = 2.6  # inches: one seller keeps a slim bar rather than a stretched one
_LABEL_ROOM = 0.7  # the longest bar takes this share of the width; its label the rest
_MOST_SHOWN = Fraction(999, 100)  # a token plan beaten a million times reads ">999 %"
_SMALLEST_SCALE = 100_00  # kopecks at the end of a money axis
_LABEL: dict[str, Any] = {
    **TEXT,
    "clip_on": False,
}  # beyond the bars, past the axes' edge if need be
_DONE, _CLOSE = 100, 70  # percent of plan: green from _DONE, amber from _CLOSE, red below


@dataclass(frozen=True, slots=True)
class SellerBar:
    name: str
    fact: int  # kopecks won this month so far
    plan: int  # kopecks; 0 = no plan set

    def __post_init__(self) -> None:
        if self.fact < 0 or self.plan < 0:
            raise ValueError(f"fact and plan cannot be negative: {self}")


@dataclass(frozen=True, slots=True)
class MonthProgress:
    start: date  # first day of the month
    end: date  # first day of the next month
    cumulative: Sequence[tuple[date, int]]  # (day, fact up to and incl. day), ascending
    plan: int  # month plan kopecks (0 = none)
    forecast: int | None  # run-rate forecast for the month, kopecks

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"the month ends before it starts: {self.start}..{self.end}")
        days = [day for day, _ in self.cumulative]
        if days != sorted(set(days)) or any(not self.start <= d < self.end for d in days):
            raise ValueError("cumulative days must be ascending, once each, inside the month")
        values = [self.plan, self.forecast or 0, *(value for _, value in self.cumulative)]
        if min(values) < 0:
            raise ValueError("the plan, the forecast and the fact cannot be negative")


def plan_vs_fact_png(
    bars: Sequence[SellerBar],
    *,
    title: str,
    plan_label: str,
    fact_label: str,
    no_plan: str,
    currency: str,
    lang: str,
) -> bytes:
    """Horizontal bars per seller: the fact over the plan, the percent of plan at the end.

    Sellers keep the given order, top to bottom; a plan of 0 shows `no_plan` instead of a
    percent. The picture is 1200 px wide and grows taller with the number of sellers.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig, ax = new_figure(max(_MIN_HEIGHT, _CHROME + _ROW * len(bars)))
    if not bars:
        heading(fig, ax, title, [])
        ax.set_axis_off()
        return to_png(fig)
    top = max(max(bar.fact, bar.plan) for bar in bars)
    _money_axis(ax, "x", top / _LABEL_ROOM, currency, lang)
    ax.set_ylim(len(bars) - 0.5, -0.5)  # the first seller on top
    _seller_bars(ax, bars)
    for row, bar in enumerate(bars):
        _seller_labels(ax, row, bar, top, no_plan=no_plan, currency=currency, lang=lang)
    names = [shorten(bar.name, _NAME_CHARS) for bar in bars]
    tick_labels(ax, "y", range(len(bars)), names, size=13)
    plan_handle = (Patch(facecolor=TRACK), Line2D([], [], color=INK, marker="|", ls="none", ms=14))
    heading(fig, ax, title, [(Patch(facecolor=BLUE), fact_label), (plan_handle, plan_label)])
    return to_png(fig)


def _seller_bars(ax: Axes, bars: Sequence[SellerBar]) -> None:
    """Every seller's plan track, plan mark and fact bar. The bars are the rectangles `barh`
    would make, as one collection per colour (the limits are already set): a Rectangle a
    bar was three objects to build and place a bar, a quarter of the chart's build time;
    a `barh` call a row had cost 4 ms a seller."""
    planned = [row for row, bar in enumerate(bars) if bar.plan]
    _bars(ax, [(row, bars[row].plan) for row in planned], 0.7, TRACK, zorder=1)
    if planned:
        ax.vlines(
            [bars[row].plan for row in planned],
            [row - 0.4 for row in planned],
            [row + 0.4 for row in planned],
            color=INK,
            linewidth=2.2,
            zorder=3,
        )
    _bars(ax, list(enumerate(bar.fact for bar in bars)), 0.36, BLUE, zorder=2)


def _bars(
    ax: Axes, rows: Sequence[tuple[int, int]], height: float, color: str, *, zorder: float
) -> None:
    """Horizontal bars from 0 to each width, `height` rows tall, centred on their rows."""
    from matplotlib.collections import PolyCollection

    half = height / 2
    outlines = [
        [(0, row - half), (width, row - half), (width, row + half), (0, row + half)]
        for row, width in rows
    ]
    ax.add_collection(PolyCollection(outlines, facecolors=color, zorder=zorder), autolim=False)


def _seller_labels(
    ax: Axes, row: int, bar: SellerBar, top: int, *, no_plan: str, currency: str, lang: str
) -> None:
    """The percent of plan (or `no_plan`) beyond the longer bar, then the fact in money.

    The money is placed 7 points after the percent's measured width: an annotation anchored
    to the percent's box drew the same, but had matplotlib find that box again at every
    measurement and draw (a fifth of the 30-seller chart's time)."""
    from matplotlib.transforms import offset_copy

    if bar.plan:
        share = Fraction(bar.fact, bar.plan)
        shown = percent(min(share, _MOST_SHOWN), lang)
        status = f">{shown}" if share > _MOST_SHOWN else shown
        color, weight = _status_color(share), "bold"
    else:
        status, color, weight = no_plan, MUTED, "normal"
    end = max(bar.fact, bar.plan) + top * 0.012
    head = ax.text(
        end, row, status, va="center", fontsize=13, fontweight=weight, color=color, **_LABEL
    )
    fig = ax.get_figure(root=True)
    assert fig is not None
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    width, _, _ = renderer.get_text_width_height_descent(status, head.get_fontproperties(), False)
    ax.text(
        end,
        row,
        format_compact(bar.fact, currency, lang),
        transform=offset_copy(ax.transData, fig, x=width * 72 / fig.dpi + 7, units="points"),
        va="center",
        fontsize=12,
        color=MUTED,
        **_LABEL,
    )


def _status_color(share: Fraction) -> str:
    if share * 100 >= _DONE:
        return GREEN
    return AMBER if share * 100 >= _CLOSE else RED


def _money_axis(ax: Axes, axis: Literal["x", "y"], limit: float, currency: str, lang: str) -> None:
    """A 0..limit money scale with a few round, compact ticks; none when there is no money."""
    from matplotlib.ticker import MaxNLocator

    bare(ax, labelsize=13)
    ax.set_axisbelow(True)
    ticks = ax.xaxis if axis == "x" else ax.yaxis
    setter = ax.set_xlim if axis == "x" else ax.set_ylim
    ax.tick_params(axis=axis, labelcolor=MUTED, labelsize=11)
    if limit <= 0:
        setter(0, 1)
        ticks.set_ticks([0], labels=[format_compact(0, currency, lang)])
        return
    # Below 100 ₽ whole-rouble labels would repeat ("3 ₽, 3 ₽"); nobody sells that small.
    end = max(limit, _SMALLEST_SCALE)
    setter(0, end)
    # The ticks matplotlib's locator would pick, found and labelled once: left to the axis,
    # they were looked for and formatted again at every measurement and at the draw.
    locator = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=True)
    values = [value for value in locator.tick_values(0, end) if 0 <= value <= end]
    ticks.set_ticks(values, labels=[format_compact(round(v), currency, lang) for v in values])
    ax.grid(axis=axis, color=GRID, linewidth=0.8)


def month_progress_png(
    progress: MonthProgress,
    *,
    title: str,
    fact_label: str,
    plan_label: str,
    forecast_label: str,
    no_data: str,
    currency: str,
    lang: str,
) -> bytes:
    """The month's cumulative fact by day, the plan as a line from 0 to the month's plan,
    and the forecast dashed from the last fact to the month's end.

    Position d on the x axis is the end of day d, so the plan line reads as "where we
    should be by tonight". No days yet shows `no_data` over the plan line.
    """
    fig, ax = new_figure()
    days = (progress.end - progress.start).days
    points = [(0, 0)] + [((d - progress.start).days + 1, v) for d, v in progress.cumulative]
    limit = 1.12 * max(progress.plan, progress.forecast or 0, max(v for _, v in points))
    _money_axis(ax, "y", limit, currency, lang)
    ax.set_xlim(0, days)
    days_shown = _day_ticks(days)
    tick_labels(ax, "x", days_shown, [str(d) for d in days_shown], size=11, color=MUTED)
    legend: list[tuple[object, str]] = []
    ends: list[tuple[int, str]] = []  # (value, colour) labelled at the month's end
    if progress.cumulative:
        legend.append((_fact_line(ax, points, currency, lang), fact_label))
    else:
        show_no_data(ax, no_data)
    if progress.plan:
        legend.append((_line(ax, [(0, 0), (days, progress.plan)], MUTED, 1.6), plan_label))
        ends.append((progress.plan, MUTED))
    if progress.cumulative and progress.forecast is not None:
        color = GREEN if progress.forecast >= progress.plan else RED
        dashed = _line(ax, [points[-1], (days, progress.forecast)], color, 2.2, dashed=True)
        legend.append((dashed, forecast_label))
        ends.append((progress.forecast, color))
    _end_labels(ax, days, ends, limit, currency, lang)
    heading(fig, ax, title, legend)
    return to_png(fig)


def _line(
    ax: Axes, points: list[tuple[int, int]], color: str, width: float, *, dashed: bool = False
) -> Line2D:
    xs, ys = zip(*points, strict=True)
    style = (0, (4, 3)) if dashed else "-"
    (line,) = ax.plot(xs, ys, color=color, linewidth=width, linestyle=style, zorder=3)
    return line


def _fact_line(ax: Axes, points: list[tuple[int, int]], currency: str, lang: str) -> Line2D:
    xs, ys = zip(*points, strict=True)
    ax.fill_between(xs, ys, color=BLUE, alpha=0.1, linewidth=0, zorder=1)
    (line,) = ax.plot(xs, ys, color=BLUE, linewidth=3, solid_capstyle="round", zorder=4)
    ax.plot(
        xs[-1], ys[-1], marker="o", ms=8, color=BLUE, mec="white", mew=2, zorder=5, clip_on=False
    )
    ax.annotate(
        format_compact(ys[-1], currency, lang),
        xy=(xs[-1], ys[-1]),
        xytext=(-8, 8),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize=14,
        fontweight="bold",
        color=BLUE,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5, "alpha": 0.85},
        zorder=6,
        **TEXT,
    )
    return line


def _end_labels(
    ax: Axes, days: int, ends: list[tuple[int, str]], limit: float, currency: str, lang: str
) -> None:
    """The plan's and the forecast's values beside the month's end, never on top of each other."""
    gap = limit * 0.08
    heights: list[float] = [value for value, _ in ends]
    if len(heights) == 2 and abs(heights[0] - heights[1]) < gap:
        middle = (heights[0] + heights[1]) / 2
        low, high = middle - gap / 2, middle + gap / 2
        heights = [high, low] if heights[0] >= heights[1] else [low, high]
    for (value, color), y in zip(ends, heights, strict=True):
        ax.text(
            days * 1.012,
            y,
            format_compact(value, currency, lang),
            ha="left",
            va="center",
            fontsize=13,
            fontweight="bold",
            color=color,
            clip_on=False,
            **TEXT,
        )


def _day_ticks(days: int) -> list[int]:
    """1, 5, 10, … and the month's last day, without a crowded pair at the end."""
    ticks = [1, *range(5, days - 2, 5), days]
    return sorted(set(ticks))
