"""Stand-in for the charts lane's funnel picture (same API); the integrator takes theirs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.reports.charts import FONT
from bot.reports.plan_charts import _figure, _png


@dataclass(frozen=True, slots=True)
class FunnelBar:
    name: str
    reached: int
    rate: float | None


def funnel_png(
    bars: Sequence[FunnelBar], *, title: str, won_label: str, won: int, no_data: str, lang: str
) -> bytes:
    fig, ax = _figure(title)
    if not bars or not any(b.reached for b in bars):
        ax.text(0.5, 0.5, no_data, ha="center", transform=ax.transAxes, fontfamily=FONT)
    names = [b.name for b in bars] + [won_label]
    values = [b.reached for b in bars] + [won]
    ax.barh(list(range(len(names)))[::-1], values)
    ax.set_yticks(list(range(len(names)))[::-1], labels=names, fontfamily=FONT)
    return _png(fig)
