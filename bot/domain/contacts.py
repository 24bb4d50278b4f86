"""A client's contact persons, and how a phone, a name or a Telegram account finds them.

A contact is whoever the seller talks to at the client: a name, a phone, a Telegram
username (and the account's id when the bot saw it, from a shared contact card or a forward).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.errors import DomainError
from bot.domain.ids import ClientId, TelegramId
from bot.domain.text import clean_text

CONTACT_NAME_MAX = 100
PHONE_MAX = 32
USERNAME_MAX = 32
# A phone has 7 to 15 digits (E.164 allows 15); fewer is an extension or a typo.
_PHONE_TYPED = re.compile(r"\+?[\d\s().\-]{7,24}")
_USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{3,31})")


@dataclass(frozen=True, slots=True)
class Contact:
    """A contact person of a client."""

    id: int
    client_id: ClientId
    name: str
    phone: str | None = None
    username: str | None = None  # without the @
    tg_id: TelegramId | None = None

    @property
    def has_name(self) -> bool:
        """Known by a name to greet them with, not only by a phone or a username."""
        return self.name != self.phone and not self.name.startswith("@")

    @property
    def label(self) -> str:
        """The contact as one line: a name with the phone or @username beside it."""
        extra = self.phone or (f"@{self.username}" if self.username else "")
        return f"{self.name} · {extra}" if extra and extra != self.name else self.name


@dataclass(frozen=True, slots=True)
class ContactInput:
    """A contact person as the seller gave it: typed, or a shared contact card."""

    name: str
    phone: str | None = None
    username: str | None = None
    tg_id: TelegramId | None = None


class ContactInvalidError(DomainError):
    """Typed text that is neither a name nor a phone."""

    key = "contact.invalid"


class OwnContactError(DomainError):
    """The seller shared their own contact card, not the client's."""

    key = "contact.own_card"


class ContactNotFoundError(DomainError):
    """A contact button of another client, or of a contact deleted since."""

    key = "contact.not_found"


class ClientNotFoundError(DomainError):
    key = "contact.client_not_found"


def phone_digits(phone: str | None) -> str | None:
    """The digits a phone is matched by: `+7 (916) 123-45-67` and `8 916 1234567` are one.

    A Russian number written with the trunk 8 is the same as +7."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    if len(digits) == 10 and digits[0] == "9":
        digits = "7" + digits  # a Russian mobile typed without the country code
    return digits if 7 <= len(digits) <= 15 else None


def looks_like_phone(text: str) -> bool:
    return _PHONE_TYPED.fullmatch(text.strip()) is not None and phone_digits(text) is not None


def normal_phone(phone: str) -> str:
    """The phone as it is kept and shown: `+` and its digits."""
    digits = phone_digits(phone)
    if digits is None:
        raise ContactInvalidError()
    return f"+{digits}"


def parse_contact(text: str) -> ContactInput:
    """A contact typed as one line: `Иван Петров`, `+7 916 123-45-67`, `Иван +79161234567`,
    `@ivan_p` or `Иван @ivan_p`; the phone or username is found at the end."""
    words = " ".join(text.split())
    if not words:
        raise ContactInvalidError()
    if looks_like_phone(words):
        phone = normal_phone(words)
        return ContactInput(name=phone, phone=phone)
    name, _, last = words.rpartition(" ")
    tail = re.search(r"(\+?[\d\s().\-]{7,24})$", words)
    if tail and name and phone_digits(tail.group(1)) is not None:
        head = words[: tail.start()].strip()
        if head and not any(ch.isdigit() for ch in head):
            return ContactInput(name=_name(head), phone=normal_phone(tail.group(1)))
    handle = _USERNAME.fullmatch(last if name else words)
    if handle and (last.startswith("@") or (not name and words.startswith("@"))):
        username = handle.group(1)
        return ContactInput(name=_name(name) if name else f"@{username}", username=username)
    if any(ch.isdigit() for ch in words):
        raise ContactInvalidError()  # digits that are no phone: a typo, not a name
    return ContactInput(name=_name(words))


def _name(text: str) -> str:
    return clean_text(text, CONTACT_NAME_MAX)


def card_contact(
    first_name: str, last_name: str | None, phone: str | None, user_id: int | None
) -> ContactInput:
    """A contact card shared in Telegram (its phone may come without a `+`)."""
    name = " ".join(p for p in (first_name, last_name or "") if p).strip()
    kept = normal_phone(phone) if phone and phone_digits(phone) else None
    return ContactInput(
        name=_name(name or kept or ""),
        phone=kept,
        tg_id=TelegramId(user_id) if user_id else None,
    )


def refuse_own_card(card: ContactInput, sender: TelegramId) -> None:
    """A seller's own card would make them the client's contact: refused, nothing kept."""
    if card.tg_id is not None and card.tg_id == sender:
        raise OwnContactError()


def fold_name(name: str) -> str:
    """A name as names are compared: case, `ё` and spacing do not matter."""
    return " ".join(name.casefold().replace("ё", "е").split())


def same_person(contact: Contact, who: ContactInput) -> bool:
    """The contact is this person: the same Telegram account, username, phone or name."""
    if who.tg_id is not None and contact.tg_id == who.tg_id:
        return True
    if who.username and contact.username and who.username.casefold() == contact.username.casefold():
        return True
    digits = phone_digits(who.phone)
    if digits is not None and phone_digits(contact.phone) == digits:
        return True
    return bool(who.name) and fold_name(contact.name) == fold_name(who.name)
