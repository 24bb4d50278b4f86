"""The text catalogs: both languages say the same, and every text the code asks for exists.

Each check looks at the whole catalog and names every offender in its one failure message.
"""

from __future__ import annotations

import gettext
import re
import string
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import errors
from bot.domain.deals import EventKind
from bot.domain.models import Channel, Role
from bot.i18n import (
    CATALOGS,
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Text,
    Translator,
    all_variants,
    catalog_paths,
    pick_language,
    plural_form,
    read_catalog,
    translator,
)

ROOT = Path(__file__).resolve().parents[2]
RU = CATALOGS["ru"]
KEYS = sorted(RU)
# Keys every language has: the checks that compare languages look at these, and a key
# missing somewhere is named by the test for exactly the same keys.
SHARED = sorted(set(RU).intersection(*CATALOGS.values()))
PLURAL_KEYS = sorted(k for k, v in RU.items() if isinstance(v, tuple))
PLURAL_FORMS = {lang: get_plural(lang).num_plurals for lang in LANGUAGES}
ALLOWED_TAGS = {"<b>", "</b>", "<i>", "</i>"}
AMOUNT_ERROR_REASONS = ("empty", "format", "negative", "too_large")  # bot.domain.money


def forms_of(text: Text) -> tuple[str, ...]:
    return text if isinstance(text, tuple) else (text,)


def placeholders(text: str) -> set[str]:
    """The names of `{fields}` in a format string (`{a.b}` and `{a[0]}` count as `a`)."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None:
            names.add(re.split(r"[.\[]", field, maxsplit=1)[0])
    return names


def all_placeholders(text: Text) -> set[str]:
    return set().union(*(placeholders(form) for form in forms_of(text)))


def catalog_texts() -> Iterator[tuple[str, str, str]]:
    for lang, catalog in CATALOGS.items():
        for key, text in catalog.items():
            for form in forms_of(text):
                yield lang, key, form


ALL_TEXTS = list(catalog_texts())


def offenders(check: Callable[[str], object]) -> list[str]:
    """`lang:key` of every text (each plural form on its own) for which `check` is falsy
    or raises; a raised error is named beside its text."""
    found = []
    for lang, key, text in ALL_TEXTS:
        try:
            ok = check(text)
        except Exception as error:
            found.append(f"{lang}:{key} ({type(error).__name__}: {error})")
            continue
        if not ok:
            found.append(f"{lang}:{key}")
    return found


# The catalogs agree


def test_the_languages_are_russian_by_default_and_english():
    assert LANGUAGES == ("ru", "en")
    assert DEFAULT_LANGUAGE == "ru"


def test_russian_and_english_have_exactly_the_same_keys():
    missing = {lang: sorted(set(RU) - set(catalog)) for lang, catalog in CATALOGS.items()}
    extra = {lang: sorted(set(catalog) - set(RU)) for lang, catalog in CATALOGS.items()}
    assert ({k: v for k, v in missing.items() if v}, {k: v for k, v in extra.items() if v}) == (
        {},
        {},
    ), "(missing, extra) compared with ru"


def test_each_feature_catalog_holds_the_same_keys_in_every_language():
    files = {
        lang: {p.name: set(read_catalog(p)) for p in catalog_paths(lang)} for lang in LANGUAGES
    }
    assert len(files["ru"]) >= 10, "one catalog per feature"
    differ = [
        f"{lang}/{name}"
        for lang in LANGUAGES
        for name in files["ru"].keys() | files[lang].keys()
        if files[lang].get(name) != files["ru"].get(name)
    ]
    assert differ == []


def test_no_key_is_defined_twice_in_one_language():
    def defined(lang):
        return Counter(key for path in catalog_paths(lang) for key in read_catalog(path))

    twice = [
        f"{lang}:{key}" for lang in LANGUAGES for key, count in defined(lang).items() if count > 1
    ]
    assert twice == []


def test_each_text_has_the_same_placeholders_in_both_languages():
    differ = {
        key: {lang: sorted(all_placeholders(c[key])) for lang, c in CATALOGS.items()}
        for key in SHARED
        if len({frozenset(all_placeholders(c[key])) for c in CATALOGS.values()}) > 1
    }
    assert differ == {}


def test_a_text_is_plural_in_both_languages_or_in_neither():
    differ = [
        key for key in SHARED if len({isinstance(c[key], tuple) for c in CATALOGS.values()}) > 1
    ]
    assert differ == []


def test_plural_texts_have_as_many_forms_as_babel_says_each_with_n():
    assert PLURAL_FORMS == {"ru": 3, "en": 2}
    wrong = [
        f"{lang}:{key} has {len(forms_of(catalog[key]))} forms"
        for lang, catalog in CATALOGS.items()
        for key in PLURAL_KEYS
        if key in catalog
        if len(forms_of(catalog[key])) != PLURAL_FORMS[lang]
    ]
    without_n = [
        f"{lang}:{key}"
        for lang, catalog in CATALOGS.items()
        for key in PLURAL_KEYS
        if key in catalog
        if not all("n" in placeholders(form) for form in forms_of(catalog[key]))
    ]
    assert (wrong, without_n) == ([], [])


def test_there_are_plural_texts_to_check():
    assert "days" in PLURAL_KEYS


def test_every_catalog_declares_babels_plural_forms_and_nothing_is_fuzzy():
    wrong, fuzzy = [], []
    for lang in LANGUAGES:
        for path in catalog_paths(lang):
            with path.open("rb") as fp:
                catalog = read_po(fp)
            if (catalog.locale_identifier, catalog.plural_forms) != (
                lang,
                get_plural(lang).plural_forms,
            ):
                wrong.append(
                    f"{lang}/{path.name}: {catalog.locale_identifier} {catalog.plural_forms}"
                )
            fuzzy += [f"{lang}/{path.name}:{m.id}" for m in catalog if m.id and m.fuzzy]
    assert (wrong, fuzzy) == ([], [])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_plural_forms_header_picks_the_same_form_as_cldr(lang):
    # A translator's tool shows the forms by the header; the bot picks them by CLDR.
    header = get_plural(lang).plural_expr
    by_header = gettext.c2py(header)
    differ = [n for n in range(1000) if by_header(n) != plural_form(lang, n)]
    assert differ == [], f"{lang} {header}"


def test_every_brace_placeholder_is_flagged_for_translators_tools():
    # Poedit and Weblate check `{placeholders}` only in entries flagged python-brace-format.
    # Babel drops the flag on reading (it looks at the msgid, a key), so read the files.
    unflagged = []
    for lang in LANGUAGES:
        for path in catalog_paths(lang):
            for entry in path.read_text(encoding="utf-8").split("\n\n"):
                msgid = re.search(r'^msgid "(.+)"$', entry, re.M)
                flagged = "#, python-brace-format" in entry
                strings = "".join(re.findall(r'^(?:msgstr(?:\[\d\])? )?"(.*)"$', entry, re.M))
                if msgid and flagged != ("{" in strings):
                    unflagged.append(f"{lang}/{path.name}:{msgid[1]}")
    assert unflagged == []


def test_every_text_is_non_empty():
    assert offenders(str.strip) == []


def test_every_text_renders_with_dummy_values_for_its_placeholders():
    def renders(text):
        rendered = text.format(**{name: f"<{name}>" for name in placeholders(text)})
        return "{" not in rendered and "}" not in rendered

    assert offenders(renders) == []


def test_every_text_renders_through_the_translator():
    failed = []
    for lang in LANGUAGES:
        t = Translator(lang)
        for key, text in CATALOGS[lang].items():
            params: dict[str, object] = dict.fromkeys(all_placeholders(text), "x")
            try:
                if isinstance(text, tuple):
                    del params["n"]  # t.n passes the count as {n}
                    ok = all(str(count) in t.n(key, count, **params) for count in range(30))
                else:
                    ok = bool(t(key, **params))
            except Exception as error:
                failed.append(f"{lang}:{key} ({type(error).__name__}: {error})")
                continue
            if not ok:
                failed.append(f"{lang}:{key}")
    assert failed == []


# HTML for Telegram's parse_mode=HTML


def test_texts_use_only_bold_and_italic_tags():
    def only_b_and_i(text):
        bare = re.sub(r"</?[bi]>", "", text)
        return (
            set(re.findall(r"<[^<>]*>", text)) <= ALLOWED_TAGS
            and "<" not in bare
            and ">" not in bare
        )

    assert offenders(only_b_and_i) == []


def balanced(text: str) -> bool:
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)([bi])>", text):
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False  # closes nothing, or the tags cross
    return (
        stack == []
        and text.count("<b>") == text.count("</b>")
        and text.count("<i>") == text.count("</i>")
    )


def test_tags_in_each_text_open_and_close_in_balance():
    assert offenders(balanced) == []


def test_the_balance_check_catches_crossed_open_and_stray_tags():
    assert balanced("<b>a <i>b</i></b>")
    assert not balanced("<b><i>a</b></i>")
    assert not balanced("<b>a")
    assert not balanced("a</i>")


def test_an_ampersand_in_a_text_is_an_html_entity():
    assert offenders(lambda text: not re.search(r"&(?!(amp|lt|gt|quot);)", text)) == []


def test_a_whole_catalog_check_names_every_offender():
    assert offenders(lambda text: "{n}" not in text) == [
        f"{lang}:{key}" for lang, key, text in ALL_TEXTS if "{n}" in text
    ]
    assert offenders(lambda text: text.format()) != []


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
    assert t("cancel.done") == RU["cancel.done"]


def test_asking_for_a_plural_text_without_a_count_is_a_type_error():
    with pytest.raises(TypeError, match=r"t\.n\(\)"):
        translator("ru")("days")


def test_a_plain_text_asked_with_a_count_is_still_shown():
    assert translator("en").n("cancel.done", 3) == "Cancelled."


def test_a_reply_button_is_recognised_in_every_language():
    assert all_variants("menu.deals") == {RU["menu.deals"], CATALOGS["en"]["menu.deals"]}
    assert translator("en").variants("menu.find") == all_variants("menu.find")


def test_has_tells_whether_a_key_exists():
    assert translator("ru").has("cancel.done")
    assert not translator("ru").has("no.such.key")


# Every key the code asks for exists

# t("key"), t.n("key"), t(f"prefix.{...}") and all_variants("key"), across line breaks.
KEY_CALL = re.compile(r"\b(?:t(?:\.n)?|all_variants)\(\s*(f?)\"([^\"]*)\"")
SKIPPED = {ROOT / "bot" / "i18n.py"}  # its docstring shows t("key") as an example


# Any string literal in a catalog namespace, e.g. `title = "deals.title_all" if ... else ...`.
NAMESPACES = sorted({key.split(".", 1)[0] for key in RU if "." in key})
NAMESPACE = "|".join(map(re.escape, NAMESPACES))
KEY_LITERAL = re.compile(rf"\"((?:{NAMESPACE})\.[a-z_]+(?:\.[a-z_]+)*)\"")


def sources() -> Iterator[str]:
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path not in SKIPPED:
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


def test_every_literal_key_used_in_code_exists():
    assert sorted(LITERAL_KEYS - set(RU)) == []


def test_every_string_in_code_that_looks_like_a_text_key_exists():
    found = {key for source in sources() for key in KEY_LITERAL.findall(source)}
    assert len(found) > 40
    assert sorted(found - set(RU)) == []


def test_every_key_prefix_used_in_code_has_at_least_one_key():
    assert "" not in KEY_PREFIXES, "an f-string key starts with a placeholder"
    assert sorted(p for p in KEY_PREFIXES if not any(key.startswith(p) for key in RU)) == []


def test_every_role_channel_and_event_has_its_text():
    keys = (
        [f"role.{r.value}" for r in Role]
        + [f"channel.{c.value}" for c in Channel]
        + [f"history.{e.value}" for e in EventKind]
        + [f"amount.{reason}" for reason in AMOUNT_ERROR_REASONS]
    )
    assert [k for k in keys if k not in RU] == []


def test_every_command_in_the_menu_has_a_description():
    from bot.app import COMMANDS

    assert [c for c in COMMANDS if f"cmd.{c}" not in RU] == []


def domain_errors() -> list[type[errors.DomainError]]:
    found: list[type[errors.DomainError]] = []
    pending = [errors.DomainError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_domain_error_has_a_plain_text_for_its_key():
    assert len(domain_errors()) > 10
    missing = [cls.__name__ for cls in domain_errors() if not isinstance(RU.get(cls.key), str)]
    assert missing == []


@pytest.mark.parametrize("n", [1, 2, 5, 11, 21, 104])
def test_handover_texts_read_right_for_any_count_and_any_name(n: int) -> None:
    # "Пётр получает 1 сделка", "Вам переданы дела Ирина": a count before a noun needs the
    # noun to agree, and a name cannot be declined. Counts stand after a colon and names
    # after a dash, where neither has anything to agree with.
    t = translator("ru")
    off = t("member.deactivated", name="Пётр", successor="Ирина", deals=n, tasks=n)
    assert f"— Ирина. Передано сделок: {n}, задач: {n}." in off
    got = t("handover.notice", name="Пётр", deals=n, tasks=n)
    assert f"— Пётр. Сделок: {n}, задач: {n}." in got


def test_a_name_never_stands_where_russian_would_decline_it() -> None:
    # "задачи Ирина", "перевести Ирина": a name is shown as typed, in the nominative, so it
    # opens the question instead of following a noun or a verb.
    t = translator("ru")
    assert t("member.pick_successor", name="Ирина").startswith("Ирина: ")
    assert t("dept.pick_team", name="Ирина").startswith("Ирина: ")
