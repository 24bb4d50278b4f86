"""Stand-in for the charts lane's plan pictures (same API); the integrator takes theirs.

A minimal rendering: bars of fact against plan per seller, and the month's running fact
against the plan line and the forecast.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.reports.charts import DPI, FIGSIZE, FONT


@dataclass(frozen=True, slots=True)
class SellerBar:
    name: str
    fact: int
    plan: int


@dataclass(frozen=True, slots=True)
class MonthProgress:
    start: date
    end: date
    cumulative: Sequence[tuple[date, int]]
    plan: int
    forecast: int | None


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def _figure(title: str) -> tuple[Figure, Axes]:
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_title(title, loc="left", fontsize=14, fontweight="bold", fontfamily=FONT)
    return fig, ax


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
    fig, ax = _figure(title)
    xs = range(len(bars))
    ax.bar([x - 0.2 for x in xs], [b.plan / 100 for b in bars], 0.4, label=plan_label)
    ax.bar([x + 0.2 for x in xs], [b.fact / 100 for b in bars], 0.4, label=fact_label)
    labels = [b.name if b.plan else f"{b.name}\n({no_plan})" for b in bars]
    ax.set_xticks(list(xs), labels=labels, fontfamily=FONT)
    ax.set_ylabel(currency, fontfamily=FONT)
    ax.legend(prop={"family": FONT})
    return _png(fig)


def month_progress_png(
    progress: MonthProgress,
    *,
    title: str,
    fact_label: str,
    plan_label: str,
    forecast_label: str,
    currency: str,
    lang: str,
    no_data: str,
) -> bytes:
    fig, ax = _figure(title)
    points = progress.cumulative
    if points:
        ax.plot([d.day for d, _ in points], [v / 100 for _, v in points], label=fact_label)
    else:
        ax.text(0.5, 0.5, no_data, ha="center", transform=ax.transAxes, fontfamily=FONT)
    ends = [progress.start.day, (progress.end - progress.start).days + 1]
    ax.plot(ends, [0, progress.plan / 100], linestyle="--", label=plan_label)
    if progress.forecast is not None:
        ax.plot(ends, [0, progress.forecast / 100], linestyle=":", label=forecast_label)
    ax.set_ylabel(currency, fontfamily=FONT)
    ax.legend(prop={"family": FONT})
    return _png(fig)
