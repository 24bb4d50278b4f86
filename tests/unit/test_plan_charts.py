"""Plan/fact pictures: real PNGs 1200 px wide, Cyrillic without missing glyphs, every edge case."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest

from bot.reports.charts import render
from bot.reports.plan_charts import MonthProgress, SellerBar, month_progress_png, plan_vs_fact_png
from tests.unit.pngs import png_size, strictly

RUB = 100
BAR_TEXTS: dict[str, Any] = {
    "title": "План и факт по менеджерам — ноябрь 2026, «Опт» $100",
    "plan_label": "План",
    "fact_label": "Факт",
    "no_plan": "нет плана",
    "currency": "RUB",
    "lang": "ru",
}
PROGRESS_TEXTS: dict[str, Any] = {
    "title": "Выручка с начала месяца — ноябрь 2026",
    "fact_label": "Факт",
    "plan_label": "План",
    "forecast_label": "Прогноз",
    "no_data": "Пока нет продаж",
    "currency": "RUB",
    "lang": "ru",
}
TEAM = [
    SellerBar("Анна Кузнецова", 2_760_000 * RUB, 2_500_000 * RUB),
    SellerBar("Игорь Павлов", 1_320_000 * RUB, 1_500_000 * RUB),
    SellerBar("Екатерина Смирнова-Волконская-Щербацкая", 1_050_000 * RUB, 1_800_000 * RUB),
    SellerBar("Мария Лебедева", 420_000 * RUB, 1_200_000 * RUB),
    SellerBar("Никита Орлов", 260_000 * RUB, 0),
    SellerBar("Юлия Ёлкина", 0, 900_000 * RUB),
]
NOVEMBER, DECEMBER = date(2026, 11, 1), date(2026, 12, 1)


def bars_png(bars: list[SellerBar], **texts: Any) -> bytes:
    return strictly(plan_vs_fact_png, bars, **{**BAR_TEXTS, **texts})


def progress_png(progress: MonthProgress, **texts: Any) -> bytes:
    return strictly(month_progress_png, progress, **{**PROGRESS_TEXTS, **texts})


def growing(start: date, days: int, per_day: int) -> list[tuple[date, int]]:
    return [(start + timedelta(days=n), (n + 1) * per_day) for n in range(days)]


def test_a_missing_glyph_would_fail_these_tests() -> None:
    # DejaVu Sans has Cyrillic but no Chinese: the guard below every test works.
    with pytest.raises(UserWarning, match="missing from font"):
        bars_png(TEAM, no_plan="无计划")
    with pytest.raises(UserWarning, match="missing from font"):
        progress_png(MonthProgress(NOVEMBER, DECEMBER, [], 0, None), no_data="无数据")


def test_a_team_with_russian_names_renders_the_full_chat_width() -> None:
    width, height = png_size(bars_png(TEAM))
    assert width == 1200
    assert 390 <= height <= 690


def test_thirty_sellers_get_a_taller_picture_of_the_same_width() -> None:
    thirty = [SellerBar(f"Менеджер №{n}", n * 50_000 * RUB, 1_000_000 * RUB) for n in range(30)]
    six_width, six_height = png_size(bars_png(TEAM))
    width, height = png_size(bars_png(thirty))
    assert width == six_width == 1200
    assert height > 2.5 * six_height


@pytest.mark.parametrize(
    "bars",
    [
        [],
        [SellerBar("Анна", 0, 0)],
        [SellerBar("Анна", 0, 0), SellerBar("Борис", 0, 0)],
        [SellerBar("Анна", 1_000 * RUB, 0), SellerBar("Борис", 5 * RUB, 0)],
        [SellerBar("Анна", 0, 1_000_000 * RUB)],
        [SellerBar("Анна", 3_000_000 * RUB, 1 * RUB)],
        [SellerBar("Я" * 200, 10**15, 10**15)],
        [SellerBar("Анна", 5, 3)],
    ],
    ids=[
        "nobody",
        "one-all-zero",
        "all-zero",
        "no-plans",
        "no-fact",
        "far-over",
        "huge",
        "kopecks",
    ],
)
def test_edge_cases_render_without_an_error(bars: list[SellerBar]) -> None:
    assert png_size(bars_png(bars))[0] == 1200


def test_english_labels_render() -> None:
    english = {"title": "Plan vs fact", "plan_label": "Plan", "fact_label": "Won"}
    png = bars_png(TEAM, **english, no_plan="no plan", currency="USD", lang="en")
    assert png_size(png)[0] == 1200


def test_a_negative_fact_or_plan_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        SellerBar("Анна", -1, 0)
    with pytest.raises(ValueError, match="negative"):
        SellerBar("Анна", 0, -1)


def test_a_month_in_progress_renders_at_phone_size() -> None:
    progress = MonthProgress(
        NOVEMBER, DECEMBER, growing(NOVEMBER, 22, 330_000 * RUB), 9_000_000 * RUB, 9_900_000 * RUB
    )
    assert png_size(progress_png(progress)) == (1200, 690)


@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2026, 2, 1), date(2026, 3, 1)), (date(2026, 12, 1), date(2027, 1, 1))],
    ids=["28-days", "31-days-across-new-year"],
)
def test_a_whole_month_of_28_or_31_days_renders(start: date, end: date) -> None:
    days = (end - start).days
    progress = MonthProgress(start, end, growing(start, days, 100_000 * RUB), 3_000_000 * RUB, None)
    assert png_size(progress_png(progress)) == (1200, 690)


@pytest.mark.parametrize(
    ("cumulative", "plan", "forecast"),
    [
        ([], 9_000_000 * RUB, None),
        ([], 0, None),
        ([(NOVEMBER, 0)], 0, 0),
        ([(NOVEMBER, 0), (date(2026, 11, 2), 0)], 5_000_000 * RUB, 0),
        (growing(NOVEMBER, 10, 50_000 * RUB), 0, 1_500_000 * RUB),
        (growing(NOVEMBER, 10, 50_000 * RUB), 9_000_000 * RUB, None),
        (growing(NOVEMBER, 30, 50_000 * RUB), 1_500_000 * RUB, 1_500_000 * RUB),
        ([(date(2026, 11, 30), 10**15)], 10**15, 10**15),
    ],
    ids=[
        "first-day-with-plan",
        "first-day-nothing",
        "one-zero-day",
        "zero-fact-with-plan",
        "no-plan",
        "no-forecast",
        "last-day-on-plan",
        "huge",
    ],
)
def test_month_edge_cases_render_without_an_error(
    cumulative: list[tuple[date, int]], plan: int, forecast: int | None
) -> None:
    progress = MonthProgress(NOVEMBER, DECEMBER, cumulative, plan, forecast)
    assert png_size(progress_png(progress)) == (1200, 690)


def test_the_forecast_and_the_plan_close_together_still_render() -> None:
    progress = MonthProgress(
        NOVEMBER, DECEMBER, growing(NOVEMBER, 15, 300_000 * RUB), 9_000_000 * RUB, 9_050_000 * RUB
    )
    assert png_size(progress_png(progress, lang="en", currency="EUR")) == (1200, 690)


def test_a_negative_forecast_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        MonthProgress(NOVEMBER, DECEMBER, [], 0, -1)


@pytest.mark.parametrize(
    ("start", "end", "cumulative", "plan"),
    [
        (DECEMBER, NOVEMBER, [], 0),
        (NOVEMBER, DECEMBER, [(DECEMBER, 5)], 0),
        (NOVEMBER, DECEMBER, [(date(2026, 10, 31), 5)], 0),
        (NOVEMBER, DECEMBER, [(date(2026, 11, 3), 5), (date(2026, 11, 2), 7)], 0),
        (NOVEMBER, DECEMBER, [(date(2026, 11, 3), 5), (date(2026, 11, 3), 7)], 0),
        (NOVEMBER, DECEMBER, [(date(2026, 11, 3), -5)], 0),
        (NOVEMBER, DECEMBER, [], -1),
    ],
    ids=["reversed", "after-end", "before-start", "unsorted", "twice", "negative", "neg-plan"],
)
def test_a_month_that_cannot_be_is_refused(
    start: date, end: date, cumulative: list[tuple[date, int]], plan: int
) -> None:
    with pytest.raises(ValueError, match=r"month|cumulative|negative"):
        MonthProgress(start, end, cumulative, plan, None)


async def test_both_pictures_render_at_once_off_the_event_loop() -> None:
    progress = MonthProgress(
        NOVEMBER, DECEMBER, growing(NOVEMBER, 22, 330_000 * RUB), 9_000_000 * RUB, 9_900_000 * RUB
    )
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        bars, month = await asyncio.gather(
            render(plan_vs_fact_png, TEAM, **BAR_TEXTS),
            render(month_progress_png, progress, **PROGRESS_TEXTS),
        )
    finally:
        ticker.cancel()
    assert png_size(bars)[0] == png_size(month)[0] == 1200
    assert ticks > 0  # the loop served other tasks while the charts were drawn
