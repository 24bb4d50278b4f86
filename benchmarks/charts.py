"""Every chart the bot sends: its render time against the 150 ms goal, beside a reference.

The charts and their callers: the digest's album (`handlers/digest/notices.py`: plan against
fact, the month's progress, the funnel), the /funnel report (`handlers/reports/router.py`,
the same funnel picture) and the seller's NPS by month (`handlers/surveys/seller.py`). Each
is rendered from realistic inputs in Russian (the bot's language by default): plan against
fact for 30 sellers (the most the picture is made for; the digest shows 20), a month of
working days with its plan and forecast, a 7-stage funnel, 12 months of NPS with a gap.

Each chart is rendered once untimed (fonts and caches warm up), then `--repeat` times; the
median is printed in ms, as a share of the 150 ms goal, and as a multiple of the reference
measured in the same run: an empty figure of the same size saved as PNG the same way
(`Figure` + Agg canvas, `savefig`), the floor any chart of that size pays. On a busy machine
both move together, so the multiple is the figure to compare between runs; the fastest
render (the least disturbed) is printed too, and the machine's load (os.getloadavg) before
and after.

    .venv/bin/python benchmarks/charts.py [--repeat R] [--only NAME ...] [--out DIR]
        [--profile NAME]

`--out DIR` writes each chart's PNG there (to look at before and after a change);
`--profile NAME` prints the cProfile of `--repeat` renders of that chart.

Measured on the shared 2-core machine (8 Dec 2026, 01:51-01:53 UTC, load 1.0-2.1),
`--repeat 5`, main (28bd90d) and branch `chart` alternately, three times each: the median
of each run (the fastest render of each run), ms:

                    main                          chart
    reference       17-19        (17-17)          17-19        (16-18)
    plan_fact_30    291-364      (285-302)        114-139      (108-116)
    plan_fact_20    212-284      (193-206)         85-89       (79-83)
    month_progress   67-87       (65-83)           41-44       (39-40)
    funnel           70-94       (69-82)           35-53       (34-42)
    nps_12_months    88-98       (87-90)           58-59       (54-58)

Every chart is within the 150 ms goal, plan against fact for 30 sellers at 0.76-0.92 ×.
What made the difference (`--profile plan_fact_30`): matplotlib 3.11 lays text out and
draws it glyph by glyph (~30 µs a glyph to measure, as much again plus Python to draw;
~950 glyphs), now set by Pillow's FreeType (`bot/reports/text_render.py`); Pillow's PNG
encoder tried every filter on every row (40 ms), now rows unfiltered at zlib level 1
straight from Agg's buffer; an annotation anchored to another text's box, a Rectangle
per bar and a tick formatter through Babel, each redone at every measurement. What is
left, per render of the 30-seller chart: the two layout measurements in `style._fit`
(~16 + 8 ms), the draw (~40 ms, of which ~25 ms the texts' Python in matplotlib), the
PNG (~20 ms, zlib), building the figure and its ~95 texts (~25-30 ms) and the garbage collector
(~13 ms over all of it).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.i18n import translator
from bot.reports.charts import nps_by_month_png
from bot.reports.examples import month_progress
from bot.reports.funnel_chart import FunnelBar, funnel_png
from bot.reports.plan_charts import SellerBar, month_progress_png, plan_vs_fact_png
from bot.reports.style import DPI, FIGSIZE

GOAL_MS = 150.0
PNG = b"\x89PNG\r\n\x1a\n"
RUB = 100  # kopecks in a rouble

FIRST = ("Анна", "Игорь", "Дмитрий", "Екатерина", "Мария", "Никита", "Ольга", "Сергей")
LAST = ("Кузнецова", "Павлов", "Соколов", "Смирнова-Волконская", "Лебедева", "Орлов")


def sellers(n: int) -> list[SellerBar]:
    """`n` sellers as the digest ranks them: facts falling, plans around them, one without."""
    bars = []
    for i in range(n):
        name = f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}"
        fact = (3_000_000 - i * 2_900_000 // n) * RUB
        plan = 0 if i == n - 1 else (1_200_000 + (i * 370_000) % 1_500_000) * RUB
        bars.append(SellerBar(name, fact, plan))
    return bars


def funnel_bars() -> list[FunnelBar]:
    reached = [1840, 1320, 990, 610, 420, 260, 170]
    names = [
        "Новая заявка",
        "Квалификация",
        "Встреча назначена",
        "Коммерческое предложение отправлено",
        "Переговоры",
        "Договор",
        "Оплата",
    ]
    after = [*reached[1:], 120]
    return [FunnelBar(name, n, nxt / n) for name, n, nxt in zip(names, reached, after, strict=True)]


def nps_months() -> list[tuple[date, float | None, int]]:
    scores: list[tuple[float | None, int]] = [
        (42.0, 31),
        (55.5, 40),
        (None, 0),
        (-12.0, 25),
        (8.3, 12),
        (61.0, 44),
        (70.2, 57),
        (33.3, 9),
        (50.0, 1200),
        (-100.0, 2),
        (12.5, 16),
        (100.0, 3),
    ]
    return [(date(2026, m, 1), score, n) for m, (score, n) in enumerate(scores, start=1)]


def charts(lang: str) -> dict[str, Callable[[], bytes]]:
    t = translator(lang)
    plan_fact = {
        "title": t("digest.chart.plan"),
        "plan_label": t("digest.label.plan"),
        "fact_label": t("digest.label.fact"),
        "no_plan": t("digest.no_plan"),
        "currency": "RUB",
        "lang": t.lang,
    }
    thirty, twenty = sellers(30), sellers(20)
    progress, stages = month_progress(), funnel_bars()
    months = nps_months()
    return {
        "plan_fact_30": lambda: plan_vs_fact_png(thirty, **plan_fact),
        "plan_fact_20": lambda: plan_vs_fact_png(twenty, **plan_fact),
        "month_progress": lambda: month_progress_png(
            progress,
            title=t("digest.chart.month"),
            fact_label=t("digest.label.fact"),
            plan_label=t("digest.label.plan"),
            forecast_label=t("digest.label.forecast"),
            no_data=t("digest.no_data"),
            currency="RUB",
            lang=t.lang,
        ),
        "funnel": lambda: funnel_png(
            stages,
            title=t("digest.chart.funnel", pipeline="Продажи"),
            won_label=t("digest.label.won"),
            won=120,
            no_data=t("digest.no_data"),
            lang=t.lang,
        ),
        "nps_12_months": lambda: nps_by_month_png(
            months,
            title=t("nps.chart.title"),
            month_names=t("nps.chart.months").split(),
            no_data=t("nps.chart.no_data"),
            y_label="NPS",
            lang=t.lang,
        ),
    }


def reference() -> bytes:
    """An empty figure of the charts' size saved as PNG: the floor of any chart."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


@dataclass
class Timing:
    name: str
    median_ms: float
    min_ms: float  # the least disturbed render, for comparing runs on a busy machine
    size: int


def timed(name: str, render: Callable[[], bytes], repeat: int) -> Timing:
    png = render()  # warm-up, untimed
    if not png.startswith(PNG):
        raise SystemExit(f"{name}: not a PNG")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        png = render()
        times.append(time.perf_counter() - started)
    return Timing(name, statistics.median(times) * 1000, min(times) * 1000, len(png))


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def profile(render: Callable[[], bytes], repeat: int) -> None:
    render()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        render()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--lang", default="ru")
    parser.add_argument("--only", nargs="*", help="chart names (default: all)")
    parser.add_argument("--out", type=Path, help="write each chart's PNG into this folder")
    parser.add_argument("--profile", help="print the cProfile of this chart's renders")
    args = parser.parse_args(argv)
    every = charts(args.lang)
    if args.profile:
        profile(every[args.profile], args.repeat)
        return
    chosen = args.only or list(every)
    unknown = set(chosen) - set(every)
    if unknown:
        raise SystemExit(f"no such chart: {', '.join(sorted(unknown))}; known: {', '.join(every)}")
    print(f"before: {load()}", flush=True)
    ref = timed("reference", reference, args.repeat)
    print(
        f"{'reference':15} {ref.median_ms:7.1f} ms  (min {ref.min_ms:.1f} ms; an empty "
        f"{FIGSIZE[0]:g}×{FIGSIZE[1]:g} in figure at {DPI} dpi saved as PNG)",
        flush=True,
    )
    worst = 0.0
    for name in chosen:
        result = timed(name, every[name], args.repeat)
        worst = max(worst, result.median_ms / GOAL_MS)
        print(
            f"{name:15} {result.median_ms:7.1f} ms  {result.median_ms / GOAL_MS:5.2f} × goal "
            f"({GOAL_MS:.0f} ms)  {result.median_ms / ref.median_ms:5.2f} × reference  "
            f"(min {result.min_ms:6.1f} ms)  {result.size // 1024:4d} KiB",
            flush=True,
        )
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{name}.png").write_bytes(every[name]())
    print(f"after: {load()}; slowest chart {worst:.2f} × goal", flush=True)


if __name__ == "__main__":
    main()
