"""The ready pipelines every new team starts with."""

from __future__ import annotations

import itertools

import pytest

from bot.domain.templates import DEFAULT_PIPELINES, TEMPLATES, PipelineTemplate
from bot.i18n import LANGUAGES

PIPELINES = pytest.mark.parametrize("pipeline", TEMPLATES, ids=lambda p: p.kind)

# A stage is something the seller does, never how the client feels about the offer.
MOOD_WORDS = (
    "думает",
    "изучает",
    "сомневается",
    "размышляет",
    "thinking",
    "studying",
    "considering",
    "doubting",
)


def test_there_are_three_default_pipelines_new_current_and_winback():
    assert len(DEFAULT_PIPELINES) == 3
    assert [p.kind for p in DEFAULT_PIPELINES] == ["new", "current", "winback"]


def test_the_bot_speaks_exactly_russian_and_english_which_the_templates_cover():
    assert set(LANGUAGES) == {"ru", "en"}


@PIPELINES
def test_each_pipeline_is_named_in_russian_and_english(pipeline: PipelineTemplate):
    assert set(pipeline.name) == {"ru", "en"}
    assert all(name.strip() for name in pipeline.name.values())


@PIPELINES
def test_each_pipeline_has_stages_named_in_russian_and_english(pipeline: PipelineTemplate):
    assert pipeline.stages
    for stage in pipeline.stages:
        assert set(stage.name) == {"ru", "en"}
        assert all(name.strip() == name and name for name in stage.name.values())


@PIPELINES
def test_stage_probabilities_strictly_increase_and_stay_between_1_and_99(
    pipeline: PipelineTemplate,
):
    probabilities = [s.probability for s in pipeline.stages]
    assert all(1 <= p <= 99 for p in probabilities), probabilities
    assert all(a < b for a, b in itertools.pairwise(probabilities)), probabilities


@PIPELINES
def test_every_stage_has_a_positive_stall_limit(pipeline: PipelineTemplate):
    assert all(s.stall_days > 0 for s in pipeline.stages)


@PIPELINES
def test_each_pipeline_has_at_least_four_lost_reasons_in_both_languages(
    pipeline: PipelineTemplate,
):
    assert len(pipeline.lost_reasons) >= 4
    for reason in pipeline.lost_reasons:
        assert set(reason) == {"ru", "en"}
        assert all(text.strip() for text in reason.values())


@PIPELINES
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_no_two_stages_of_a_pipeline_share_a_name(pipeline: PipelineTemplate, lang):
    names = [s.name[lang].casefold() for s in pipeline.stages]
    assert len(names) == len(set(names)), names


@PIPELINES
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_no_two_lost_reasons_of_a_pipeline_share_a_name(pipeline: PipelineTemplate, lang):
    names = [r[lang].casefold() for r in pipeline.lost_reasons]
    assert len(names) == len(set(names)), names


@PIPELINES
def test_no_stage_is_named_after_a_clients_mood(pipeline: PipelineTemplate):
    for stage in pipeline.stages:
        for name in stage.name.values():
            lowered = name.casefold()
            assert not any(word in lowered for word in MOOD_WORDS), name
