"""The audit log: who changed which setting of the company, from what to what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.ids import UserId


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change, with its value before and after as shown to a reader."""

    actor_id: UserId | None
    at: datetime
    action: str
    subject: str
    before: str | None
    after: str | None
