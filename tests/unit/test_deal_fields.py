"""The editable fields of a deal: what each reads from typed text and how a history row keeps it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.deal_fields import (
    FIELDS,
    FieldInputError,
    FieldKind,
    FieldName,
    field_of,
    parse_day,
)
from bot.domain.errors import EmptyTextError, TextTooLongError
from bot.domain.models import Channel

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=MOSCOW)  # a Sunday afternoon


def day_of(moment: datetime) -> date:
    return moment.astimezone(MOSCOW).date()


def test_every_field_of_the_issue_is_in_the_table() -> None:
    assert set(FIELDS) == set(FieldName)
    assert {f.attr for f in FIELDS.values()} == {
        "amount",
        "title",
        "product",
        "channel",
        "region",
        "expected_close_at",
    }


def test_an_amount_is_read_as_minor_units() -> None:
    assert FIELDS[FieldName.AMOUNT].parse("150к", NOW, MOSCOW) == 15_000_000


@pytest.mark.parametrize(("text", "key"), [("много", "amount.format"), ("-5", "amount.negative")])
def test_a_bad_amount_names_the_reason(text: str, key: str) -> None:
    with pytest.raises(FieldInputError) as caught:
        FIELDS[FieldName.AMOUNT].parse(text, NOW, MOSCOW)
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25.12", date(2026, 12, 25)),
        ("через 2 недели", date(2026, 12, 6)),
        ("end of month", date(2026, 11, 30)),
        ("в конце месяца", date(2026, 11, 30)),
        ("сегодня", date(2026, 11, 22)),
    ],
)
def test_a_close_date_is_typed_like_a_task_date(text: str, expected: date) -> None:
    moment = parse_day(text, NOW, MOSCOW)
    assert day_of(moment) == expected
    assert moment.tzinfo is not None and moment.utcoffset() == UTC.utcoffset(None)


def test_a_close_date_in_the_past_is_refused() -> None:
    with pytest.raises(FieldInputError) as caught:
        parse_day("21.11", NOW, MOSCOW)
    assert caught.value.key == "edit.date_past"


def test_a_close_date_that_is_no_date_is_refused() -> None:
    with pytest.raises(FieldInputError) as caught:
        FIELDS[FieldName.CLOSE_DATE].parse("когда-нибудь", NOW, MOSCOW)
    assert caught.value.key == "edit.date_format"


@given(st.integers(min_value=0, max_value=300))
def test_any_day_ahead_typed_as_a_date_is_that_day(ahead: int) -> None:
    target = date(2026, 11, 22).toordinal() + ahead
    wanted = date.fromordinal(target)
    moment = parse_day(wanted.strftime("%d.%m.%Y"), NOW, MOSCOW)
    assert day_of(moment) == wanted


def test_a_text_field_folds_spaces_and_checks_its_length() -> None:
    title = FIELDS[FieldName.TITLE]
    assert title.parse("  ООО   Ромашка ", NOW, MOSCOW) == "ООО Ромашка"
    with pytest.raises(TextTooLongError):
        title.parse("я" * (title.limit + 1), NOW, MOSCOW)
    with pytest.raises(EmptyTextError):
        title.parse("   ", NOW, MOSCOW)


def test_a_channel_is_chosen_by_its_index_and_a_forged_one_is_refused() -> None:
    channel = FIELDS[FieldName.CHANNEL]
    assert channel.kind is FieldKind.CHOICE
    assert channel.choice(0) is next(iter(Channel))
    with pytest.raises(FieldInputError):
        channel.choice(len(Channel))
    with pytest.raises(FieldInputError):
        channel.parse("calls", NOW, MOSCOW)


def test_a_forged_field_name_is_refused() -> None:
    assert field_of("amount") is FIELDS[FieldName.AMOUNT]
    with pytest.raises(FieldInputError):
        field_of("owner_id")


@given(
    st.sampled_from(list(FIELDS.values())).flatmap(
        lambda f: st.tuples(
            st.just(f),
            {
                FieldKind.MONEY: st.integers(min_value=0, max_value=10**15),
                FieldKind.TEXT: st.text(min_size=1, max_size=20),
                FieldKind.DATE: st.datetimes(timezones=st.just(UTC)),
                FieldKind.CHOICE: st.sampled_from(list(Channel)),
            }[f.kind]
            | st.none(),
        )
    )
)
def test_a_history_row_gives_back_the_value_it_kept(pair: tuple) -> None:  # type: ignore[type-arg]
    field, value = pair
    assert field.decode(field.encode(value)) == value
