"""Rules of a deal's life: stages, stalls, closing; its history; the changes storage applies."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from bot.domain.deal_fields import FIELDS
from bot.domain.ids import DealId, PipelineId, StageId, UserId
from bot.domain.inbox import Attachment
from bot.domain.models import Deal, DealStatus, Stage


class EventKind(enum.StrEnum):
    """What a row of a deal's history says happened."""

    CREATED = "created"
    STAGE = "stage"
    WON = "won"
    LOST = "lost"
    REOPENED = "reopened"
    NOTE = "note"
    HANDOFF = "handoff"  # text: "offered" / "accepted" / "declined"
    EDIT = "edit"  # field, before, after: a field edited from the card
    TASK_SET = "task_set"  # text: the task; after: its due time (ISO, UTC)
    TASK_MOVED = "task_moved"  # text; before and after: the due times
    TASK_DONE = "task_done"  # text
    FILE = "file"  # attachment (and text: its caption), kept by its Telegram file id


@dataclass(frozen=True, slots=True)
class DealEvent:
    """One row of a deal's history."""

    deal_id: DealId
    kind: EventKind
    actor_id: UserId | None
    at: datetime
    from_stage_id: StageId | None = None
    to_stage_id: StageId | None = None
    text: str | None = None
    field: str | None = None  # an edit's field name, and its values as `DealField.encode` keeps
    before: str | None = None
    after: str | None = None
    # A client's message forwarded as a note: who wrote it and when (not who forwarded it).
    origin_name: str | None = None
    origin_at: datetime | None = None
    attachment: Attachment | None = None
    id: int | None = None  # the row's id, once stored


def days_in_stage(deal: Deal, now: datetime) -> int:
    return max(0, (now - deal.stage_entered_at).days)


def is_stalled(deal: Deal, stage: Stage, now: datetime) -> bool:
    """Longer in the stage than its limit: the seller forgot to move it or to work it."""
    return (
        deal.is_open
        and stage.stall_days > 0
        and now - deal.stage_entered_at > timedelta(days=stage.stall_days)
    )


def stall_cutoffs(stages: Iterable[Stage], now: datetime) -> list[tuple[StageId, datetime]]:
    """Per stage, the entry time before which a deal in it is stalled."""
    return [(s.id, now - timedelta(days=s.stall_days)) for s in stages if s.stall_days > 0]


@dataclass(frozen=True, slots=True)
class DealQuery:
    """A page of deals: whose, which pipeline, only stalled ones (per-stage cut-offs)."""

    owner_id: UserId | None = None
    managed_by: UserId | None = None  # a head: only the deals of the people they manage
    status: DealStatus | None = DealStatus.OPEN
    pipeline_id: PipelineId | None = None
    stalled_before: Sequence[tuple[StageId, datetime]] | None = None
    text: str | None = None
    without_task: bool = False
    newest_first: bool = False  # by the time the deal entered its stage, latest first
    offset: int = 0
    limit: int = 10


@dataclass(frozen=True, slots=True)
class DealChange:
    """The new state of a deal after a change; applied only if `expected_version` still holds.

    Build it with `DealChange.of(deal, ...)`, which keeps what the change does not touch.
    `edited` holds the fields a seller edits from the card (`deal_fields.FIELDS`), by the
    name `Deal` and the deal's table give them, so a new editable field needs nothing here.
    """

    deal_id: DealId
    expected_version: int
    stage_id: StageId
    status: DealStatus
    stage_entered_at: datetime
    owner_id: UserId
    handoff_to_id: UserId | None
    closed_at: datetime | None
    lost_reason_id: int | None
    lost_reason_text: str | None
    # Typed loosely: each value goes to the `Deal` attribute or the column of its name.
    edited: Mapping[str, Any]

    @classmethod
    def of(cls, deal: Deal, **changes: Any) -> DealChange:
        """The deal as it is, open, with `changes` applied (closing fields default to empty)."""
        editable = {f.attr for f in FIELDS.values()}
        edited = {f.attr: f.current(deal) for f in FIELDS.values()}
        edited |= {k: v for k, v in changes.items() if k in editable}
        fields: dict[str, Any] = {
            "deal_id": deal.id,
            "expected_version": deal.version,
            "stage_id": deal.stage_id,
            "status": deal.status,
            "stage_entered_at": deal.stage_entered_at,
            "owner_id": deal.owner_id,
            "handoff_to_id": deal.handoff_to_id,
            "closed_at": None,
            "lost_reason_id": None,
            "lost_reason_text": None,
            "edited": MappingProxyType(edited),
        }
        return cls(**(fields | {k: v for k, v in changes.items() if k not in editable}))
