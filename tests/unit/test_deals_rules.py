"""Rules of a deal's life (stages, stalls) and the clean-up of what people type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.deals import days_in_stage, is_stalled, stall_cutoffs
from bot.domain.errors import EmptyTextError, TextTooLongError
from bot.domain.ids import DealId, PipelineId, StageId, UserId
from bot.domain.models import Deal, DealStatus, Pipeline, Stage
from bot.domain.text import clean_text

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
PIPELINE_ID = PipelineId(1)


def make_stage(stage_id: int = 1, *, position: int = 0, stall_days: int = 3) -> Stage:
    return Stage(
        id=StageId(stage_id),
        pipeline_id=PIPELINE_ID,
        name=f"Stage {stage_id}",
        position=position,
        probability=10 + position,
        stall_days=stall_days,
    )


def make_deal(
    entered: datetime, *, status: DealStatus = DealStatus.OPEN, stage_id: int = 1
) -> Deal:
    return Deal(
        id=DealId(1),
        title="Roof repair",
        client=None,
        amount=None,
        currency="RUB",
        pipeline_id=PIPELINE_ID,
        stage_id=StageId(stage_id),
        owner_id=UserId(1),
        status=status,
        created_at=entered - timedelta(days=30),
        stage_entered_at=entered,
        version=1,
    )


# days_in_stage


@pytest.mark.parametrize(
    ("in_stage", "days"),
    [
        (timedelta(0), 0),
        (timedelta(hours=23, minutes=59, seconds=59), 0),
        (timedelta(days=1), 1),
        (timedelta(days=1, hours=23), 1),
        (timedelta(days=7, seconds=1), 7),
        (timedelta(days=400), 400),
    ],
)
def test_days_in_stage_counts_only_whole_days(in_stage, days):
    assert days_in_stage(make_deal(NOW - in_stage), NOW) == days


def test_days_in_stage_is_never_negative_when_the_clock_is_behind_the_entry():
    assert days_in_stage(make_deal(NOW + timedelta(hours=5)), NOW) == 0
    assert days_in_stage(make_deal(NOW + timedelta(days=3)), NOW) == 0


@given(seconds=st.integers(min_value=-(10**8), max_value=10**9))
def test_days_in_stage_is_the_floor_of_the_days_elapsed_and_at_least_zero(seconds):
    deal = make_deal(NOW - timedelta(seconds=seconds))
    assert days_in_stage(deal, NOW) == max(0, seconds // 86_400)


# is_stalled


def test_a_deal_exactly_at_its_stall_limit_is_not_stalled():
    stage = make_stage(stall_days=3)
    assert not is_stalled(make_deal(NOW - timedelta(days=3)), stage, NOW)


def test_a_deal_one_second_past_its_stall_limit_is_stalled():
    stage = make_stage(stall_days=3)
    assert is_stalled(make_deal(NOW - timedelta(days=3, seconds=1)), stage, NOW)


def test_a_fresh_deal_is_not_stalled():
    assert not is_stalled(make_deal(NOW - timedelta(hours=1)), make_stage(stall_days=1), NOW)


@pytest.mark.parametrize("status", [DealStatus.WON, DealStatus.LOST])
def test_a_closed_deal_is_never_stalled(status):
    deal = make_deal(NOW - timedelta(days=365), status=status)
    assert not is_stalled(deal, make_stage(stall_days=1), NOW)


def test_a_stage_with_zero_stall_days_never_stalls_a_deal():
    assert not is_stalled(make_deal(NOW - timedelta(days=3650)), make_stage(stall_days=0), NOW)


@given(
    stall_days=st.integers(min_value=0, max_value=60),
    seconds=st.integers(min_value=-86_400, max_value=90 * 86_400),
    status=st.sampled_from(list(DealStatus)),
)
def test_stalled_means_open_with_a_limit_and_strictly_longer_than_it(stall_days, seconds, status):
    deal = make_deal(NOW - timedelta(seconds=seconds), status=status)
    expected = status is DealStatus.OPEN and stall_days > 0 and seconds > stall_days * 86_400
    assert is_stalled(deal, make_stage(stall_days=stall_days), NOW) is expected


# stall_cutoffs


def test_stall_cutoffs_give_each_stage_with_a_limit_its_cutoff_in_order():
    stages = [
        make_stage(1, position=0, stall_days=2),
        make_stage(2, position=1, stall_days=0),
        make_stage(3, position=2, stall_days=7),
    ]
    assert stall_cutoffs(stages, NOW) == [
        (StageId(1), NOW - timedelta(days=2)),
        (StageId(3), NOW - timedelta(days=7)),
    ]


def test_stall_cutoffs_of_no_stages_or_no_limits_are_empty():
    assert stall_cutoffs([], NOW) == []
    assert stall_cutoffs([make_stage(stall_days=0)], NOW) == []


@given(
    stall_days=st.integers(min_value=1, max_value=60),
    seconds=st.integers(min_value=0, max_value=90 * 86_400),
)
def test_a_deal_is_stalled_exactly_when_it_entered_its_stage_before_the_cutoff(stall_days, seconds):
    stage = make_stage(stall_days=stall_days)
    deal = make_deal(NOW - timedelta(seconds=seconds))
    [(stage_id, cutoff)] = stall_cutoffs([stage], NOW)
    assert stage_id == stage.id
    assert is_stalled(deal, stage, NOW) is (deal.stage_entered_at < cutoff)


# Pipeline


def make_pipeline() -> Pipeline:
    # Stored out of order on purpose: position, not tuple order, decides the sequence.
    return Pipeline(
        id=PIPELINE_ID,
        name="New clients",
        kind="new",
        position=0,
        stages=(
            make_stage(30, position=2),
            make_stage(10, position=0),
            make_stage(20, position=1),
        ),
    )


def test_next_stage_follows_positions_not_storage_order():
    pipeline = make_pipeline()
    next_of_first = pipeline.next_stage(StageId(10))
    next_of_second = pipeline.next_stage(StageId(20))
    assert next_of_first is not None
    assert next_of_first.id == StageId(20)
    assert next_of_second is not None
    assert next_of_second.id == StageId(30)


def test_the_last_stage_has_no_next_stage():
    assert make_pipeline().next_stage(StageId(30)) is None


def test_a_stage_from_elsewhere_has_no_next_stage_here():
    assert make_pipeline().next_stage(StageId(999)) is None


def test_the_first_stage_is_the_one_with_the_lowest_position():
    assert make_pipeline().first_stage.id == StageId(10)


def test_a_pipeline_finds_its_own_stage_by_id():
    stage = make_pipeline().stage(StageId(20))
    assert stage is not None
    assert stage.id == StageId(20)
    assert stage.position == 1


def test_a_pipeline_does_not_find_a_stage_it_does_not_have():
    assert make_pipeline().stage(StageId(999)) is None


@given(positions=st.lists(st.integers(-100, 100), min_size=1, max_size=8, unique=True))
def test_walking_next_stage_from_the_first_visits_every_stage_once_in_position_order(positions):
    stages = tuple(make_stage(i + 1, position=p) for i, p in enumerate(positions))
    pipeline = Pipeline(id=PIPELINE_ID, name="P", kind="new", position=0, stages=stages)
    visited = []
    current: Stage | None = pipeline.first_stage
    while current is not None:
        visited.append(current.position)
        current = pipeline.next_stage(current.id)
    assert visited == sorted(positions)


# clean_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Roof repair", "Roof repair"),
        ("  Roof   repair  ", "Roof repair"),
        ("Roof\n\trepair", "Roof repair"),
        ("ООО\u00a0«Ромашка»", "ООО «Ромашка»"),
        ("a\r\n\r\nb", "a b"),
    ],
)
def test_clean_text_folds_white_space_into_single_spaces(raw, clean):
    assert clean_text(raw, 100) == clean


@pytest.mark.parametrize("raw", [None, "", " ", "\n\t \u00a0"])
def test_clean_text_of_nothing_but_white_space_raises_empty_text_error(raw):
    with pytest.raises(EmptyTextError):
        clean_text(raw, 100)


def test_clean_text_over_the_limit_raises_text_too_long_with_limit_and_length():
    with pytest.raises(TextTooLongError) as caught:
        clean_text("abcdef", 5)
    assert caught.value.params == {"limit": 5, "length": 6}
    assert caught.value.key == "error.text_too_long"


def test_clean_text_exactly_at_the_limit_is_accepted():
    assert clean_text("abcde", 5) == "abcde"


def test_clean_text_measures_the_length_after_folding():
    assert clean_text("  a     b  ", 3) == "a b"
    with pytest.raises(TextTooLongError) as caught:
        clean_text("a    b    c", 4)
    assert caught.value.params == {"limit": 4, "length": 5}


@given(text=st.one_of(st.none(), st.text()), limit=st.integers(min_value=1, max_value=50))
def test_clean_text_only_ever_raises_its_own_errors_and_never_exceeds_the_limit(text, limit):
    try:
        result = clean_text(text, limit)
    except (EmptyTextError, TextTooLongError):
        return  # anything else propagates and fails the test
    assert 0 < len(result) <= limit
    assert result == result.strip()
    assert "  " not in result
    assert clean_text(result, limit) == result
