"""NPS surveys: a question to a client about a deal and its seller, answered once."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.ids import ClientId, DealId, PipelineId, UserId
from bot.domain.models import Client

SURVEY_TTL = timedelta(days=14)
# Follow-ups through Telegram, once a client has answered a link: the defaults of DOMAIN.md.
AFTER_WON = timedelta(days=7)
RELATIONSHIP_EVERY = timedelta(days=90)
MIN_GAP = timedelta(days=30)
COMMENT_MAX = 1000


class SurveyKind(enum.StrEnum):
    LINK = "link"  # the seller forwarded a link
    AFTER_WON = "after_won"
    RELATIONSHIP = "relationship"


class SurveyStatus(enum.StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"
    OPTED_OUT = "opted_out"


@dataclass(frozen=True, slots=True)
class Survey:
    id: int
    token: str
    client_id: ClientId
    seller_id: UserId
    kind: SurveyKind
    status: SurveyStatus
    created_at: datetime
    expires_at: datetime
    deal_id: DealId | None = None
    pipeline_id: PipelineId | None = None
    score: int | None = None
    comment: str | None = None
    answered_at: datetime | None = None
    recovery_task_id: int | None = None
    chat_id: int | None = None

    def is_open(self, now: datetime) -> bool:
        return self.status is SurveyStatus.PENDING and now < self.expires_at


@dataclass(frozen=True, slots=True)
class SurveyAnswerRow:
    """One answer as reports read it."""

    score: int
    answered_at: datetime
    seller_id: UserId
    pipeline_id: PipelineId | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class OpenedSurvey:
    """What the client sees: who asks, about what."""

    survey: Survey
    client: Client
    seller_name: str
    deal_title: str | None
    contact_name: str | None = None  # the deal's contact person, greeted by name


def follow_up_allowed(last_survey_at: datetime | None, now: datetime) -> bool:
    """Never more often than the minimum gap, whatever asked."""
    return last_survey_at is None or now - last_survey_at >= MIN_GAP


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A deal whose client is due a survey through Telegram."""

    deal_id: DealId
    client_id: ClientId
    seller_id: UserId
    pipeline_id: PipelineId
