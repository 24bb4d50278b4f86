"""Shaping pipelines: names, probabilities, stall limits and the client-state warning."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import (
    EmptyTextError,
    NameTakenError,
    ProbabilityInvalidError,
    StallDaysInvalidError,
    TextTooLongError,
)
from bot.domain.pipelines import (
    STALL_DAYS_MAX,
    clean_name,
    looks_like_client_state,
    parse_probability,
    parse_stall_days,
)
from bot.domain.templates import TEMPLATES, PipelineTemplate


@pytest.mark.parametrize(
    "name",
    [
        "Клиент думает",
        "клиент ДУМАЕТ над КП",
        "Думает",
        "Ждёт решения",
        "ждет ответа",
        "Ждём ответа клиента",
        "Изучает предложение",
        "Client is thinking",
        "client is THINKING it over",
        "Waiting for client",
        "Waiting for the client's answer",
        "Considering the offer",
    ],
)
def test_a_clients_state_is_recognised_in_any_case_and_with_yo_or_e(name: str) -> None:
    assert looks_like_client_state(name)


@pytest.mark.parametrize(
    "name",
    [
        "Ожидание оплаты",  # a fact the seller checks, not a mood
        "КП отправлено",
        "Встреча назначена",
        "Передумали",  # contains "думали" but is no stage of a mood
        "Rethinking pricing",  # "thinking" only as part of a word
        "Proposal sent",
    ],
)
def test_a_sellers_step_is_not_taken_for_a_clients_state(name: str) -> None:
    assert not looks_like_client_state(name)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.kind)
def test_no_template_stage_sounds_like_a_clients_state(template: PipelineTemplate) -> None:
    for stage in template.stages:
        for name in stage.name.values():
            assert not looks_like_client_state(name), name


def test_the_templates_offer_wholesale_and_retail_besides_the_defaults() -> None:
    assert [t.kind for t in TEMPLATES] == ["new", "current", "winback", "wholesale", "retail"]


def test_a_name_is_folded_and_refused_when_taken_in_any_letter_case() -> None:
    assert clean_name("  Опт   крупный ", 64, ["Розница"]) == "Опт крупный"
    with pytest.raises(NameTakenError) as taken:
        clean_name("РОЗНИЦА", 64, ["Розница"])
    assert taken.value.key == "error.name_taken"
    assert taken.value.params == {"name": "РОЗНИЦА"}


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", EmptyTextError),
        ("   ", EmptyTextError),
        (None, EmptyTextError),
        ("Я" * 65, TextTooLongError),
    ],
)
def test_an_empty_or_overlong_name_is_refused(text: str | None, error: type[Exception]) -> None:
    with pytest.raises(error):
        clean_name(text, 64, [])


@pytest.mark.parametrize(
    ("text", "value"), [("0", 0), ("40", 40), (" 100 ", 100), ("40 %", 40), ("7%", 7)]
)
def test_a_probability_is_a_whole_percent(text: str, value: int) -> None:
    assert parse_probability(text) == value


@pytest.mark.parametrize("text", ["150", "101", "-1", "−5", "4.5", "сорок", "", None, "1e2", "٣"])
def test_a_probability_out_of_range_or_not_a_number_is_refused(text: str | None) -> None:
    with pytest.raises(ProbabilityInvalidError):
        parse_probability(text)


@given(st.integers(min_value=-10_000, max_value=10_000))
def test_a_probability_is_accepted_exactly_from_0_to_100(n: int) -> None:
    if 0 <= n <= 100:
        assert parse_probability(str(n)) == n
    else:
        with pytest.raises(ProbabilityInvalidError):
            parse_probability(str(n))


@given(st.integers(min_value=-10_000, max_value=10_000))
def test_a_stall_limit_is_accepted_exactly_from_1_day_to_a_year(n: int) -> None:
    if 1 <= n <= STALL_DAYS_MAX:
        assert parse_stall_days(str(n)) == n
    else:
        with pytest.raises(StallDaysInvalidError) as refused:
            parse_stall_days(str(n))
        assert refused.value.params == {"limit": 365}


@pytest.mark.parametrize("text", ["-1", "0", "три", "1.5", "", None, "9999999999"])
def test_a_stall_limit_that_is_not_a_positive_whole_number_is_refused(text: str | None) -> None:
    with pytest.raises(StallDaysInvalidError):
        parse_stall_days(text)
