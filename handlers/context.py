"""The one object a handler gets for its update: who, in which language, when, and the
unit of work and notifier to act with (put in the data by `ContextMiddleware`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain.company import CompanySettings
from bot.domain.models import User
from bot.i18n import Translator
from bot.services.ports import UnitOfWork
from bot.services.team import Person

if TYPE_CHECKING:  # the notices' renderers import handlers that take a Ctx
    from handlers.notices import TelegramNotifier

# The data key of the update's context; a handler takes it as its `ctx` parameter.
CTX = "ctx"


@dataclass(frozen=True, slots=True)
class Ctx:
    """One update's context: read once, before the handler, and never changed by it."""

    uow: UnitOfWork
    person: Person  # the Telegram account behind the update, known to the team or not
    user: User | None  # the team member, if the account is one
    t: Translator
    now: datetime
    company: CompanySettings
    notifier: TelegramNotifier

    @property
    def tz(self) -> ZoneInfo:
        """The team's time zone: what people see; everything stored is UTC."""
        return self.company.tz

    @property
    def staff(self) -> User:
        """The team member, for handlers that a router filter lets only members reach."""
        assert self.user is not None, "a router filter lets only team members here"
        return self.user
