"""Every text the bot says, by key, in Russian (default) and English."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from bot.locales import en, ru

Catalog = Mapping[str, str | tuple[str, ...]]
CATALOGS: dict[str, Catalog] = {"ru": ru.TEXTS, "en": en.TEXTS}
LANGUAGES = tuple(CATALOGS)
DEFAULT_LANGUAGE = "ru"


def pick_language(code: str | None, fallback: str = DEFAULT_LANGUAGE) -> str:
    """The catalog for a Telegram language code (`en-US` → `en`), or the team's language."""
    base = (code or "").split("-")[0].lower()
    return base if base in CATALOGS else fallback


def plural_form(lang: str, n: int) -> int:
    """Index of the CLDR plural form: ru has one/few/many, en one/other."""
    n = abs(n)
    if lang == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return 0
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return 1
        return 2
    return 0 if n == 1 else 1


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
