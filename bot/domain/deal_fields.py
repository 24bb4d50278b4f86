"""The fields of a deal a seller edits from its card: one row of `FIELDS` each, saying how
the field is read from typed text, kept in a history row and read back from it.

A new editable field is a new row here (and its label in the catalogs), as long as the deal
already stores it."""

from __future__ import annotations

import enum
import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.domain.models import Channel, Deal
from bot.domain.money import AmountError, parse_amount
from bot.domain.text import PRODUCT_MAX, REGION_MAX, TITLE_MAX, clean_text
from bot.domain.when import WhenError, WorkTime, parse_when


class FieldKind(enum.StrEnum):
    """How a field is typed and shown."""

    TEXT = "text"
    MONEY = "money"  # integer minor units
    DATE = "date"  # a day, kept as noon of it in the team's zone, in UTC
    CHOICE = "choice"  # one of an enum's values, chosen by buttons


class FieldName(enum.StrEnum):
    """The editable fields; the values are short, they travel in callback data."""

    AMOUNT = "amount"
    TITLE = "title"
    PRODUCT = "product"
    CHANNEL = "channel"
    REGION = "region"
    CLOSE_DATE = "close"


FieldValue = int | str | datetime | enum.StrEnum | None


class FieldInputError(ValueError):
    """Typed text that is not a value of the field; `.key` names the polite answer."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


# A close date without a time is a day: read it as late in the day so "today" is not past.
_DAY_RULES = WorkTime(day_start=time(23, 59))
_NOON = time(12, 0)
_END_OF_MONTH = re.compile(
    r"(?:(?:в|к|by|at|до) )?(?:the )?(?:конец|конце|концу|end of)(?: the)? (?:месяца|month)"
)


@dataclass(frozen=True, slots=True)
class DealField:
    """One editable field of a deal: `attr` is its name on `Deal` and on `DealChange`."""

    name: FieldName
    attr: str
    kind: FieldKind
    limit: int = 0  # the longest text a TEXT field takes
    clearable: bool = True  # may be emptied
    choices: type[enum.StrEnum] | None = None  # a CHOICE field's values

    def current(self, deal: Deal) -> FieldValue:
        value: FieldValue = getattr(deal, self.attr)
        return value

    def parse(self, text: str, now: datetime, tz: ZoneInfo) -> FieldValue:
        """The value a seller typed; raises FieldInputError or a text DomainError."""
        if self.kind is FieldKind.MONEY:
            try:
                return parse_amount(text)
            except AmountError as error:
                raise FieldInputError(f"amount.{error.reason}") from error
        if self.kind is FieldKind.DATE:
            return parse_day(text, now, tz)
        if self.kind is FieldKind.CHOICE:
            raise FieldInputError("edit.choose")  # chosen by buttons, never typed
        return clean_text(text, self.limit)

    def choice(self, index: int) -> FieldValue:
        """The value of a choice button; a forged index is refused."""
        options = list(self.choices or ())
        if not 0 <= index < len(options):
            raise FieldInputError("edit.choose")
        return options[index]

    def encode(self, value: FieldValue) -> str | None:
        """The value as a history row keeps it."""
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat()
        return str(value)

    def decode(self, raw: str | None) -> FieldValue:
        """A value kept by `encode`, back; a value no longer known is shown as it was kept."""
        if raw is None:
            return None
        if self.kind is FieldKind.MONEY:
            return int(raw)
        if self.kind is FieldKind.DATE:
            return datetime.fromisoformat(raw)
        if self.choices is not None and raw in set(self.choices):
            return self.choices(raw)
        return raw


FIELDS: dict[FieldName, DealField] = {
    f.name: f
    for f in (
        DealField(FieldName.AMOUNT, "amount", FieldKind.MONEY),
        DealField(FieldName.TITLE, "title", FieldKind.TEXT, TITLE_MAX, clearable=False),
        DealField(FieldName.PRODUCT, "product", FieldKind.TEXT, PRODUCT_MAX),
        DealField(FieldName.CHANNEL, "channel", FieldKind.CHOICE, choices=Channel),
        DealField(FieldName.REGION, "region", FieldKind.TEXT, REGION_MAX),
        DealField(FieldName.CLOSE_DATE, "expected_close_at", FieldKind.DATE),
    )
}


def field_of(name: str) -> DealField:
    """The field a button or a history row names; a forged name is refused."""
    try:
        return FIELDS[FieldName(name)]
    except ValueError as error:
        raise FieldInputError("edit.choose") from error


def parse_day(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A day typed like a task's due date (`25.12`, `через 2 недели`) or `end of month`;
    today or later, as noon of that day in `tz`, in UTC."""
    folded = " ".join(text.lower().replace("ё", "е").split()).rstrip(".!")
    today = now.astimezone(tz).date()
    if _END_OF_MONTH.fullmatch(folded):
        return _noon(today.replace(day=monthrange(today.year, today.month)[1]), tz)
    try:
        moment = parse_when(text, now, tz, _DAY_RULES)
    except WhenError as error:
        raise FieldInputError(f"edit.date_{error.reason}") from error
    return _noon(moment.astimezone(tz).date(), tz)


def _noon(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, _NOON, tzinfo=tz).astimezone(UTC)
