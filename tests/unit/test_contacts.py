"""Contact persons as typed or shared: phones in any writing, names, usernames; who is who."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.contacts import (
    Contact,
    ContactInput,
    ContactInvalidError,
    OwnContactError,
    card_contact,
    parse_contact,
    phone_digits,
    refuse_own_card,
    same_person,
)
from bot.domain.errors import TextTooLongError
from bot.domain.ids import ClientId, TelegramId
from bot.domain.inbox import Attachment, FileInvalidError, FileKind, checked, size_text_mb


@pytest.mark.parametrize(
    "typed",
    ["+7 (916) 123-45-67", "8 916 123 45 67", "79161234567", "9161234567", "+7-916-123-45-67"],
)
def test_a_russian_mobile_is_one_number_however_written(typed: str) -> None:
    assert phone_digits(typed) == "79161234567"


@given(st.lists(st.sampled_from(" -()."), max_size=6), st.integers(10**9, 10**10 - 1))
def test_separators_do_not_change_a_phones_digits(noise: list[str], number: int) -> None:
    digits = "7" + str(number)
    written = "+" + "".join(d + (noise[i] if i < len(noise) else "") for i, d in enumerate(digits))
    assert phone_digits(written) == digits


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Иван Петров", ContactInput("Иван Петров")),
        ("  Иван   Петров +7 916 123-45-67 ", ContactInput("Иван Петров", "+79161234567")),
        ("8 916 123 45 67", ContactInput("+79161234567", "+79161234567")),
        ("Мария @maria_k", ContactInput("Мария", username="maria_k")),
        ("@maria_k", ContactInput("@maria_k", username="maria_k")),
        ("John Smith +44 20 7946 0958", ContactInput("John Smith", "+442079460958")),
    ],
)
def test_a_typed_contact_is_a_name_with_a_phone_or_username(
    typed: str, expected: ContactInput
) -> None:
    assert parse_contact(typed) == expected


@pytest.mark.parametrize("typed", ["", "   ", "12345", "Иван 12", "1 2 3", "Иван +7 916"])
def test_digits_that_are_no_phone_are_refused(typed: str) -> None:
    with pytest.raises(ContactInvalidError):
        parse_contact(typed)


def test_a_name_too_long_is_refused_with_its_limit() -> None:
    with pytest.raises(TextTooLongError):
        parse_contact("Я" * 101)


def test_a_shared_card_keeps_the_account_and_the_phone_with_a_plus() -> None:
    who = card_contact("Иван", "Петров", "79161234567", 42)
    assert who == ContactInput("Иван Петров", "+79161234567", tg_id=TelegramId(42))
    assert card_contact("", None, "79161234567", None).name == "+79161234567"


def test_the_sellers_own_card_is_refused_and_a_card_without_an_account_is_not() -> None:
    with pytest.raises(OwnContactError):
        refuse_own_card(card_contact("Сергей", None, "+79990001122", 2000), TelegramId(2000))
    refuse_own_card(card_contact("Иван", None, "+79990001122", None), TelegramId(2000))


def test_the_same_person_is_found_by_account_username_phone_or_whole_name() -> None:
    ivan = Contact(1, ClientId(1), "Иван Петров", "+79161234567", "ivan_p", TelegramId(7))
    assert same_person(ivan, ContactInput("x", tg_id=TelegramId(7)))
    assert same_person(ivan, ContactInput("x", username="IVAN_P"))
    assert same_person(ivan, ContactInput("x", phone="8 916 123-45-67"))
    assert same_person(ivan, ContactInput("иван  петров"))
    assert not same_person(ivan, ContactInput("Иван"))
    assert not same_person(ivan, ContactInput("x", phone="+79160000000", tg_id=TelegramId(8)))


def test_a_contact_is_greeted_by_name_only_when_it_has_one() -> None:
    assert Contact(1, ClientId(1), "Иван", "+79161234567").has_name
    assert not Contact(1, ClientId(1), "+79161234567", "+79161234567").has_name
    assert not Contact(1, ClientId(1), "@ivan_p", username="ivan_p").has_name


@pytest.mark.parametrize("file_id", ["", "has space", "x" * 256, "tab\there"])
def test_a_forged_file_id_is_refused(file_id: str) -> None:
    with pytest.raises(FileInvalidError):
        checked(Attachment(FileKind.VOICE, file_id))


def test_sizes_are_shown_by_the_megabyte() -> None:
    assert [size_text_mb(n) for n in (200_000, 2 * 1024**2, 30 * 1024**2)] == ["0.2", "2.0", "30"]
