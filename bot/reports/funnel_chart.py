"""A funnel as a PNG: one horizontal bar per stage, the deals that reached it, and the
share that went on to the next stage.

A minimal stand-in written in the reports lane: the charts lane owns this module and its
version (same API) replaces this one when the branches are merged.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.reports.charts import DPI, FIGSIZE, FONT, GREEN, INK, MUTED


@dataclass(frozen=True, slots=True)
class FunnelBar:
    name: str
    reached: int
    rate: float | None


def funnel_png(
    bars: Sequence[FunnelBar], *, title: str, won_label: str, won: int, no_data: str, lang: str
) -> bytes:
    """Stages top to bottom with the deals that reached each, then the won deals."""
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_title(title, loc="left", fontsize=15, fontweight="bold", color=INK, fontfamily=FONT)
    ax.set_axis_off()
    rows = [*bars, FunnelBar(won_label, won, None)]
    top = max((b.reached for b in rows), default=0)
    if top == 0:
        ax.text(0.5, 0.5, no_data, ha="center", va="center", fontsize=15, color=MUTED,
                transform=ax.transAxes, fontfamily=FONT, parse_math=False)  # fmt: skip
    else:
        for y, bar in enumerate(reversed(rows)):
            width = bar.reached / top
            ax.barh(y, width, left=(1 - width) / 2, color=GREEN, height=0.7)
            rate = "" if bar.rate is None else f" → {bar.rate * 100:.0f}%"
            ax.text(0.5, y, f"{bar.name}: {bar.reached}{rate}", ha="center", va="center",
                    fontsize=11, color=INK, fontfamily=FONT, parse_math=False)  # fmt: skip
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.5, len(rows) - 0.5)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()
