"""The outbox's health as admins see it: what waits, what went out, what failed and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.ids import TelegramId, UserId


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    pending: int  # waiting for their time or a retry, or being sent right now
    sent_today: int  # since the team's midnight
    failed_week: int  # permanent refusals (blocked, chat not found) in the last 7 days
    dropped_week: int  # no longer worth sending (the task done, the day over)


@dataclass(frozen=True, slots=True)
class Backlog:
    """What the outbox holds undelivered now, for /readyz and /metrics."""

    waiting: int  # pending or being sent
    oldest_due: datetime | None  # the longest-due notice a sender could take now, if any

    def age(self, now: datetime) -> float:
        """Seconds the longest-due notice has waited past its time (0 when none is due)."""
        return max((now - self.oldest_due).total_seconds(), 0.0) if self.oldest_due else 0.0


@dataclass(frozen=True, slots=True)
class FailedNotice:
    chat_id: TelegramId
    user_id: UserId | None
    name: str | None  # the recipient, when they are a known user
    kind: str
    reason: str
    at: datetime  # when it was last due: its last try


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    counts: DeliveryCounts
    failures: list[FailedNotice]  # the newest first, one page of them
    page: int
    pages: int
