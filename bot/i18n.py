"""Every text the bot says, by key, in Russian (default) and English.

The texts are gettext catalogs, `bot/locales/<lang>/<feature>.po`, which translators open in
Poedit or Weblate. The msgid is the key the code asks for and the msgstr its text; a plural
text has a msgid_plural and one msgstr per plural form of the language, in CLDR's order.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po
from babel.plural import PluralRule

Text = str | tuple[str, ...]
Catalog = Mapping[str, Text]

LOCALES = Path(__file__).with_name("locales")
LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"

# CLDR's order of plural categories, which the msgstr[i] of a plural text follow.
_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


def catalog_paths(lang: str) -> list[Path]:
    """The feature catalogs of a language, one `.po` file each."""
    return sorted((LOCALES / lang).glob("*.po"))


def read_catalog(path: Path) -> dict[str, Text]:
    """The texts of one `.po` file by key: a string, or a tuple of plural forms."""
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=path.parent.name)
    texts: dict[str, Text] = {}
    for message in catalog:
        if not message.id:
            continue  # the header
        key = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string
        texts[key] = string if isinstance(string, str) else tuple(string or ())
    return texts


def load_catalog(lang: str) -> dict[str, Text]:
    texts: dict[str, Text] = {}
    for path in catalog_paths(lang):
        texts.update(read_catalog(path))
    return texts


CATALOGS: dict[str, Catalog] = {lang: load_catalog(lang) for lang in LANGUAGES}


def pick_language(code: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
    """The catalog for a Telegram language code (`en-US` → `en`), or the team's language."""
    base = (code or "").split("-")[0].lower()
    return base if base in CATALOGS else fallback


@cache
def _plural_rule(lang: str) -> tuple[PluralRule, tuple[str, ...]]:
    rule = Locale.parse(lang).plural_form
    return rule, tuple(c for c in _CATEGORIES if c in rule.tags or c == "other")


def plural_form(lang: str, n: int) -> int:
    """Index of the CLDR plural form of `n`: ru has one/few/many, en one/other."""
    rule, categories = _plural_rule(lang)
    return categories.index(rule(abs(n)))


class Translator:
    """`t("key", name=...)` for a text, `t.n("key", n)` for one with a plural form."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in CATALOGS else DEFAULT_LANGUAGE
        self._catalog = CATALOGS[self.lang]

    def __call__(self, key: str, **params: object) -> str:
        text = self._catalog[key]
        if isinstance(text, tuple):
            raise TypeError(f"{key} has plural forms; use t.n()")
        return text.format(**params) if params else text

    def n(self, key: str, count: int, **params: object) -> str:
        forms = self._catalog[key]
        if isinstance(forms, str):
            forms = (forms,)
        form = forms[min(plural_form(self.lang, count), len(forms) - 1)]
        return form.format(n=count, **params)

    def has(self, key: str) -> bool:
        return key in self._catalog

    def variants(self, key: str) -> frozenset[str]:
        """The text in every language: for matching a reply-keyboard button press."""
        return all_variants(key)


@cache
def translator(lang: str) -> Translator:
    return Translator(lang)


@cache
def all_variants(key: str) -> frozenset[str]:
    return frozenset(str(c[key]) for c in CATALOGS.values())
