"""The text catalogs: both languages say the same, and every text the code asks for exists."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import errors
from bot.domain.deals import EventKind
from bot.domain.models import Channel, Role
from bot.i18n import (
    CATALOGS,
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Translator,
    all_variants,
    pick_language,
    plural_form,
    translator,
)
from bot.locales import en, ru

ROOT = Path(__file__).resolve().parents[2]
KEYS = sorted(ru.TEXTS)
PLURAL_KEYS = sorted(k for k, v in ru.TEXTS.items() if isinstance(v, tuple))
PLURAL_FORMS = {"ru": 3, "en": 2}
ALLOWED_TAGS = {"<b>", "</b>", "<i>", "</i>"}
AMOUNT_ERROR_REASONS = ("empty", "format", "negative", "too_large")  # bot.domain.money


def forms_of(text: str | tuple[str, ...]) -> tuple[str, ...]:
    return text if isinstance(text, tuple) else (text,)


def placeholders(text: str) -> set[str]:
    """The names of `{fields}` in a format string (`{a.b}` and `{a[0]}` count as `a`)."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None:
            names.add(re.split(r"[.\[]", field, maxsplit=1)[0])
    return names


def all_placeholders(text: str | tuple[str, ...]) -> set[str]:
    return set().union(*(placeholders(form) for form in forms_of(text)))


def catalog_texts() -> Iterator[tuple[str, str, str]]:
    for lang, catalog in CATALOGS.items():
        for key, text in catalog.items():
            for form in forms_of(text):
                yield lang, key, form


ALL_TEXTS = list(catalog_texts())
EVERY_TEXT = pytest.mark.parametrize(
    ("lang", "key", "text"), ALL_TEXTS, ids=[f"{lang}:{key}" for lang, key, _ in ALL_TEXTS]
)


# The catalogs agree


def test_the_languages_are_russian_by_default_and_english():
    assert LANGUAGES == ("ru", "en")
    assert DEFAULT_LANGUAGE == "ru"


def test_russian_and_english_have_exactly_the_same_keys():
    assert set(ru.TEXTS) - set(en.TEXTS) == set(), "missing in en"
    assert set(en.TEXTS) - set(ru.TEXTS) == set(), "missing in ru"


@pytest.mark.parametrize("key", KEYS)
def test_each_text_has_the_same_placeholders_in_both_languages(key):
    assert all_placeholders(ru.TEXTS[key]) == all_placeholders(en.TEXTS[key])


@pytest.mark.parametrize("key", KEYS)
def test_a_text_is_plural_in_both_languages_or_in_neither(key):
    assert isinstance(ru.TEXTS[key], tuple) == isinstance(en.TEXTS[key], tuple)


@pytest.mark.parametrize("key", PLURAL_KEYS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_texts_have_three_forms_in_russian_and_two_in_english_each_with_n(key, lang):
    forms = CATALOGS[lang][key]
    assert isinstance(forms, tuple)
    assert len(forms) == PLURAL_FORMS[lang]
    assert all("n" in placeholders(form) for form in forms), forms


def test_there_are_plural_texts_to_check():
    assert "days" in PLURAL_KEYS


@EVERY_TEXT
def test_every_text_is_non_empty(lang, key, text):
    assert text.strip()


@EVERY_TEXT
def test_every_text_renders_with_dummy_values_for_its_placeholders(lang, key, text):
    values = {name: f"<{name}>" for name in placeholders(text)}
    rendered = text.format(**values)
    assert "{" not in rendered
    assert "}" not in rendered


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_renders_through_the_translator(lang, key):
    t = Translator(lang)
    text = CATALOGS[lang][key]
    params: dict[str, object] = dict.fromkeys(all_placeholders(text), "x")
    if isinstance(text, tuple):
        del params["n"]  # t.n passes the count as {n}
        for count in range(30):
            assert str(count) in t.n(key, count, **params)
    else:
        assert t(key, **params)


# HTML for Telegram's parse_mode=HTML


@EVERY_TEXT
def test_texts_use_only_bold_and_italic_tags(lang, key, text):
    tags = set(re.findall(r"<[^<>]*>", text))
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    bare = re.sub(r"</?[bi]>", "", text)
    assert "<" not in bare
    assert ">" not in bare


@EVERY_TEXT
def test_tags_in_each_text_open_and_close_in_balance(lang, key, text):
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)([bi])>", text):
        if closing:
            assert stack, f"</{name}> closes nothing"
            assert stack.pop() == name, "tags cross"
        else:
            stack.append(name)
    assert stack == [], "left open"
    assert text.count("<b>") == text.count("</b>")
    assert text.count("<i>") == text.count("</i>")


@EVERY_TEXT
def test_an_ampersand_in_a_text_is_an_html_entity(lang, key, text):
    assert not re.search(r"&(?!(amp|lt|gt|quot);)", text)


# plural_form and the translator


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "1 день"),
        (2, "2 дня"),
        (4, "4 дня"),
        (5, "5 дней"),
        (11, "11 дней"),
        (12, "12 дней"),
        (14, "14 дней"),
        (21, "21 день"),
        (22, "22 дня"),
        (101, "101 день"),
        (111, "111 дней"),
        (112, "112 дней"),
        (0, "0 дней"),
    ],
)
def test_russian_days_take_the_right_plural_form(n, expected):
    assert translator("ru").n("days", n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0 days"), (1, "1 day"), (2, "2 days"), (11, "11 days"), (21, "21 days")],
)
def test_english_days_are_singular_only_for_one(n, expected):
    assert translator("en").n("days", n) == expected


@given(n=st.integers(min_value=-(10**9), max_value=10**9))
def test_plural_form_is_a_valid_index_and_ignores_the_sign(n):
    for lang, count in PLURAL_FORMS.items():
        assert 0 <= plural_form(lang, n) < count
        assert plural_form(lang, n) == plural_form(lang, -n)


@given(n=st.integers(min_value=0, max_value=10**9))
def test_the_russian_plural_form_depends_only_on_the_last_two_digits(n):
    assert plural_form("ru", n) == plural_form("ru", n % 100 + 100)


def test_russian_one_few_many_follow_cldr():
    assert [plural_form("ru", n) for n in (1, 21, 31, 101)] == [0, 0, 0, 0]
    assert [plural_form("ru", n) for n in (2, 3, 4, 22, 24, 102)] == [1] * 6
    assert [plural_form("ru", n) for n in (0, 5, 11, 12, 13, 14, 20, 111, 114)] == [2] * 9


def test_english_one_other():
    assert plural_form("en", 1) == 0
    assert [plural_form("en", n) for n in (0, 2, 11, 21, 101)] == [1] * 5


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en-US", "en"),
        ("en", "en"),
        ("EN-gb", "en"),
        ("ru", "ru"),
        ("ru-RU", "ru"),
        ("de", DEFAULT_LANGUAGE),
        ("", DEFAULT_LANGUAGE),
        (None, DEFAULT_LANGUAGE),
    ],
)
def test_pick_language_takes_the_base_language_or_falls_back(code, expected):
    assert pick_language(code) == expected


@pytest.mark.parametrize("code", ["de", "de-DE", None, "zz"])
def test_pick_language_falls_back_to_the_given_team_language(code):
    assert pick_language(code, fallback="en") == "en"


def test_a_translator_for_an_unknown_language_speaks_the_default_one():
    t = Translator("de")
    assert t.lang == DEFAULT_LANGUAGE
    assert t("cancel.done") == ru.TEXTS["cancel.done"]


def test_asking_for_a_plural_text_without_a_count_is_a_type_error():
    with pytest.raises(TypeError, match=r"t\.n\(\)"):
        translator("ru")("days")


def test_a_plain_text_asked_with_a_count_is_still_shown():
    assert translator("en").n("cancel.done", 3) == "Cancelled."


def test_a_reply_button_is_recognised_in_every_language():
    assert all_variants("menu.deals") == {ru.TEXTS["menu.deals"], en.TEXTS["menu.deals"]}
    assert translator("en").variants("menu.find") == all_variants("menu.find")


def test_has_tells_whether_a_key_exists():
    assert translator("ru").has("cancel.done")
    assert not translator("ru").has("no.such.key")


# Every key the code asks for exists

# t("key"), t.n("key"), t(f"prefix.{...}") and all_variants("key"), across line breaks.
KEY_CALL = re.compile(r"\b(?:t(?:\.n)?|all_variants)\(\s*(f?)\"([^\"]*)\"")
SKIPPED = {ROOT / "bot" / "i18n.py"}  # its docstring shows t("key") as an example


# Any string literal in a catalog namespace, e.g. `title = "deals.title_all" if ... else ...`.
NAMESPACES = sorted({key.split(".", 1)[0] for key in ru.TEXTS if "." in key})
NAMESPACE = "|".join(map(re.escape, NAMESPACES))
KEY_LITERAL = re.compile(rf"\"((?:{NAMESPACE})\.[a-z_]+(?:\.[a-z_]+)*)\"")


def sources() -> Iterator[str]:
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path not in SKIPPED and "locales" not in path.parts:
                yield path.read_text(encoding="utf-8")


def used_keys() -> tuple[set[str], set[str]]:
    literal, prefixes = set(), set()
    for source in sources():
        for is_f, key in KEY_CALL.findall(source):
            if is_f:
                prefixes.add(key.split("{", 1)[0])
            else:
                literal.add(key)
    return literal, prefixes


LITERAL_KEYS, KEY_PREFIXES = used_keys()


def test_the_key_scan_finds_the_keys_the_code_uses():
    assert len(LITERAL_KEYS) > 40
    assert {"card.amount", "days", "menu.deals"} <= LITERAL_KEYS
    assert {"cmd.", "channel.", "role.", "amount.", "history."} <= KEY_PREFIXES


@pytest.mark.parametrize("key", sorted(LITERAL_KEYS))
def test_every_literal_key_used_in_code_exists(key):
    assert key in ru.TEXTS


@pytest.mark.parametrize(
    "key", sorted({key for source in sources() for key in KEY_LITERAL.findall(source)})
)
def test_every_string_in_code_that_looks_like_a_text_key_exists(key):
    assert key in ru.TEXTS


@pytest.mark.parametrize("prefix", sorted(KEY_PREFIXES))
def test_every_key_prefix_used_in_code_has_at_least_one_key(prefix):
    assert prefix, "an f-string key starts with a placeholder"
    assert any(key.startswith(prefix) for key in ru.TEXTS)


def test_every_role_channel_and_event_has_its_text():
    keys = (
        [f"role.{r.value}" for r in Role]
        + [f"channel.{c.value}" for c in Channel]
        + [f"history.{e.value}" for e in EventKind]
        + [f"amount.{reason}" for reason in AMOUNT_ERROR_REASONS]
    )
    assert [k for k in keys if k not in ru.TEXTS] == []


def test_every_command_in_the_menu_has_a_description():
    from bot.app import COMMANDS

    assert [c for c in COMMANDS if f"cmd.{c}" not in ru.TEXTS] == []


def domain_errors() -> list[type[errors.DomainError]]:
    found: list[type[errors.DomainError]] = []
    pending = [errors.DomainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("error", domain_errors(), ids=lambda cls: cls.__name__)
def test_every_domain_error_has_a_text_for_its_key(error):
    assert error.key in ru.TEXTS
    assert isinstance(ru.TEXTS[error.key], str)
