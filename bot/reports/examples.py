"""The README's example charts from fixed demo data: `python -m bot.reports.examples docs/`."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

from bot.domain.plan_metrics import run_rate_forecast
from bot.reports.plan_charts import MonthProgress, SellerBar, month_progress_png, plan_vs_fact_png

PLAN_FACT_FILE = "digest-plan-fact.png"
MONTH_PROGRESS_FILE = "digest-month-progress.png"

RUB = 100  # kopecks in a rouble

# A team on the morning of Monday 23 November 2026, ranked as the digest ranks them.
SELLERS = (
    SellerBar("Анна Кузнецова", 2_760_000 * RUB, 2_500_000 * RUB),
    SellerBar("Игорь Павлов", 1_320_000 * RUB, 1_500_000 * RUB),
    SellerBar("Дмитрий Соколов", 1_580_000 * RUB, 2_000_000 * RUB),
    SellerBar("Екатерина Смирнова-Волконская", 1_050_000 * RUB, 1_800_000 * RUB),
    SellerBar("Мария Лебедева", 420_000 * RUB, 1_200_000 * RUB),
    SellerBar("Никита Орлов", 260_000 * RUB, 0),
)
MONTH = date(2026, 11, 1)
NEXT_MONTH = date(2026, 12, 1)
# Won per working day, 2–20 November (4 November is a public holiday), in roubles.
DAILY_WON = (
    310_000,
    450_000,
    0,
    620_000,
    540_000,
    380_000,
    710_000,
    290_000,
    650_000,
    820_000,
    470_000,
    560_000,
    690_000,
    900_000,
)
WORKING_DAYS_IN_MONTH = 20


def month_progress() -> MonthProgress:
    """Cumulative won by day up to yesterday, weekends flat, with the run-rate forecast."""
    working = [
        MONTH + timedelta(days=n)
        for n in range(22)
        if (MONTH + timedelta(days=n)).weekday() < 5 and n != 3
    ]
    won = dict(zip(working, DAILY_WON, strict=True))
    cumulative, total = [], 0
    for n in range(22):
        day = MONTH + timedelta(days=n)
        total += won.get(day, 0) * RUB
        cumulative.append((day, total))
    plan = sum(seller.plan for seller in SELLERS)
    forecast = run_rate_forecast(total, len(working), WORKING_DAYS_IN_MONTH)
    return MonthProgress(MONTH, NEXT_MONTH, cumulative, plan, forecast)


def write_examples(folder: Path) -> list[Path]:
    """Render both digest pictures into `folder`; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    plan_fact = plan_vs_fact_png(
        SELLERS,
        title="План и факт по менеджерам, ноябрь 2026",
        plan_label="План",
        fact_label="Факт",
        no_plan="нет плана",
        currency="RUB",
        lang="ru",
    )
    progress = month_progress_png(
        month_progress(),
        title="Выручка отдела с начала месяца, ноябрь 2026",
        fact_label="Факт",
        plan_label="План",
        forecast_label="Прогноз",
        no_data="Пока нет продаж",
        currency="RUB",
        lang="ru",
    )
    written = []
    for name, png in ((PLAN_FACT_FILE, plan_fact), (MONTH_PROGRESS_FILE, progress)):
        path = folder / name
        path.write_bytes(png)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bot.reports.examples FOLDER", file=sys.stderr)
        return 2
    for path in write_examples(Path(argv[0])):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
