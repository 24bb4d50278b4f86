"""NPS charts: real PNGs of the promised size, Cyrillic without missing glyphs, off the loop."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from bot.reports.charts import Point, nps_by_month_png, render
from tests.unit.pngs import png_size, strictly

RU_MONTHS = ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"]
EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
RU_TEXTS: dict[str, Any] = {
    "title": "Индекс лояльности (NPS) по месяцам — Ёлкина Щ. Ю., «Опт» $100",
    "month_names": RU_MONTHS,
    "no_data": "нет ответов",
    "y_label": "NPS, пункты",
    "lang": "ru",
}
A_YEAR_ACROSS_NEW_YEAR: list[Point] = [
    (date(2025, 10, 1), 62.5, 16),
    (date(2025, 11, 1), 45.0, 20),
    (date(2025, 12, 1), None, 0),
    (date(2026, 1, 1), -14.3, 7),
    (date(2026, 2, 1), 0.0, 4),
    (date(2026, 3, 1), 100.0, 3),
    (date(2026, 4, 1), 33.3, 12_345),
    (date(2026, 5, 1), -100.0, 2),
    (date(2026, 6, 1), 8.0, 25),
    (date(2026, 7, 1), None, 0),
    (date(2026, 8, 1), 51.0, 49),
    (date(2026, 9, 1), 49.5, 12),
]


def draw(points: Sequence[Point], **texts: Any) -> bytes:
    return strictly(nps_by_month_png, points, **{**RU_TEXTS, **texts})


def test_a_missing_glyph_would_fail_these_tests() -> None:
    # Proves the guard works: DejaVu Sans has Cyrillic but no Chinese.
    with pytest.raises(UserWarning, match="missing from font"):
        draw([], no_data="无数据")


def test_a_year_of_russian_labels_renders_at_phone_size() -> None:
    assert png_size(draw(A_YEAR_ACROSS_NEW_YEAR)) == (1200, 690)


def test_a_period_with_no_answers_at_all_still_renders() -> None:
    empty = [(date(2026, m, 1), None, 0) for m in range(1, 13)]
    assert png_size(draw(empty)) == (1200, 690)


def test_a_single_month_renders() -> None:
    assert png_size(draw([(date(2026, 4, 1), -40.0, 5)])) == (1200, 690)


def test_no_months_at_all_renders_the_no_data_text() -> None:
    assert png_size(draw([])) == (1200, 690)


def test_english_labels_render() -> None:
    english = {
        **RU_TEXTS,
        "lang": "en",
        "title": "NPS by month",
        "no_data": "no answers",
        "month_names": EN_MONTHS,
    }
    png = nps_by_month_png([(date(2026, 1, 1), 30.0, 10)], **english)
    assert png_size(png) == (1200, 690)


@pytest.mark.parametrize(
    "point",
    [
        (date(2026, 1, 1), None, 3),
        (date(2026, 1, 1), 20.0, 0),
        (date(2026, 1, 1), 120.0, 5),
        (date(2026, 1, 1), 20.0, -1),
    ],
)
def test_a_score_that_cannot_come_from_its_answers_is_refused(
    point: Point,
) -> None:
    with pytest.raises(ValueError, match="NPS"):
        nps_by_month_png([point], **RU_TEXTS)


def test_month_names_must_be_twelve() -> None:
    with pytest.raises(ValueError, match="12 month names"):
        nps_by_month_png([], **{**RU_TEXTS, "month_names": RU_MONTHS[:6]})


async def test_render_runs_the_chart_off_the_event_loop() -> None:
    loop_thread_ticks = 0

    async def tick() -> None:
        nonlocal loop_thread_ticks
        while True:
            await asyncio.sleep(0)
            loop_thread_ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        png = await render(nps_by_month_png, A_YEAR_ACROSS_NEW_YEAR, **RU_TEXTS)
    finally:
        ticker.cancel()
    assert png_size(png) == (1200, 690)
    # The loop kept running other tasks while the chart was drawn in a worker thread.
    assert loop_thread_ticks > 0


async def test_two_charts_can_render_at_once() -> None:
    first, second = await asyncio.gather(
        render(nps_by_month_png, A_YEAR_ACROSS_NEW_YEAR, **RU_TEXTS),
        render(nps_by_month_png, A_YEAR_ACROSS_NEW_YEAR[:3], **RU_TEXTS),
    )
    assert png_size(first) == png_size(second) == (1200, 690)
