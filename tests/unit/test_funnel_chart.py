"""The funnel picture: 1200 px wide, Cyrillic without missing glyphs, the weakest step marked."""

from __future__ import annotations

from typing import Any

import pytest

from bot.reports.charts import render
from bot.reports.funnel_chart import FunnelBar, _weakest, funnel_png
from tests.unit.pngs import png_size, strictly

TEXTS: dict[str, Any] = {
    "title": "Воронка «Новые клиенты» — ноябрь 2026",
    "won_label": "Успешно",
    "no_data": "Нет сделок за период",
    "lang": "ru",
}
NEW_CLIENTS = [
    FunnelBar("Первый контакт", 412, 0.71),
    FunnelBar("Квалификация", 293, 0.62),
    FunnelBar("Встреча, презентация", 182, 0.58),
    FunnelBar("Коммерческое предложение", 105, 0.40),
    FunnelBar("Работа с возражениями, переговоры и согласование", 42, 0.74),
    FunnelBar("Договор", 31, 0.90),
    FunnelBar("Оплата", 28, 0.86),
]


def draw(bars: list[FunnelBar], won: int, **texts: Any) -> bytes:
    return strictly(funnel_png, bars, won=won, **{**TEXTS, **texts})


def test_a_missing_glyph_would_fail_these_tests() -> None:
    with pytest.raises(UserWarning, match="missing from font"):
        draw(NEW_CLIENTS, 24, won_label="成功")


def test_a_seven_stage_funnel_renders_the_full_chat_width() -> None:
    width, height = png_size(draw(NEW_CLIENTS, 24))
    assert width == 1200
    assert 690 <= height <= 1200


def test_more_stages_make_a_taller_picture() -> None:
    short = png_size(draw(NEW_CLIENTS[:3], 10))[1]
    assert png_size(draw(NEW_CLIENTS, 24))[1] > short


@pytest.mark.parametrize(
    ("bars", "won"),
    [
        ([], 0),
        ([], 5),
        ([FunnelBar("Первый контакт", 0, None)], 0),
        ([FunnelBar("Первый контакт", 10, 0.0)], 0),
        ([FunnelBar("Первый контакт", 10, 1.0)], 10),
        ([FunnelBar(f"Этап {n}", 0, None) for n in range(7)], 0),
        ([FunnelBar("Квалификация", 0, None), FunnelBar("Договор", 3, 1.0)], 3),
        ([FunnelBar("Первый контакт", 1_000_000, 0.000001)], 1),
        ([FunnelBar("Я" * 200, 5, 0.2)], 1),
    ],
    ids=[
        "no-stages",
        "only-won",
        "one-empty-stage",
        "nobody-won",
        "everybody-won",
        "zero-everywhere",
        "skipped-stage",
        "a-sliver",
        "long-name",
    ],
)
def test_edge_cases_render_without_an_error(bars: list[FunnelBar], won: int) -> None:
    assert png_size(draw(bars, won))[0] == 1200


def test_english_labels_render() -> None:
    png = draw(NEW_CLIENTS, 24, title="New clients", won_label="Won", lang="en")
    assert png_size(png)[0] == 1200


@pytest.mark.parametrize(
    ("bar", "match"),
    [
        (("Договор", -1, None), "negative"),
        (("Договор", 5, 1.5), "share"),
        (("A", 5, -0.1), "share"),
    ],
)
def test_a_stage_that_cannot_be_is_refused(bar: tuple[str, int, float | None], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        FunnelBar(*bar)


def test_the_weakest_conversion_is_the_lowest_rate() -> None:
    assert _weakest(NEW_CLIENTS) == {3}


def test_stages_that_convert_equally_badly_are_all_marked() -> None:
    bars = [FunnelBar("a", 10, 0.5), FunnelBar("b", 5, 0.2), FunnelBar("c", 1, 0.2)]
    assert _weakest(bars) == {1, 2}


@pytest.mark.parametrize(
    "bars",
    [
        [],
        [FunnelBar("a", 10, 0.5)],
        [FunnelBar("a", 10, 0.5), FunnelBar("b", 5, 0.5)],
        [FunnelBar("a", 10, 0.5), FunnelBar("b", 0, None)],
    ],
    ids=["none", "one-stage", "all-alike", "one-rate-and-an-empty-stage"],
)
def test_nothing_is_marked_when_no_stage_is_worse_than_another(bars: list[FunnelBar]) -> None:
    assert _weakest(bars) == set()


async def test_the_funnel_renders_off_the_event_loop() -> None:
    png = await render(funnel_png, NEW_CLIENTS, won=24, **TEXTS)
    assert png_size(png)[0] == 1200
