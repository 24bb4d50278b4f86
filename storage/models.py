"""ORM tables. Times are UTC, money is integer minor units, history points to ids."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER on SQLite (where only INTEGER PRIMARY KEY autoincrements).
BigId = BigInteger().with_variant(Integer(), "sqlite")


def fold(text: str) -> str:
    """The search form of a name (the `*_search` and `name_key` columns): Python's casefold
    knows Cyrillic, SQLite's lower() does not."""
    return text.casefold().replace("ё", "е")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UserRow(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tg_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # False after Telegram answered 403 (the user blocked the bot); a message from them resets it.
    is_reachable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    default_pipeline_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DepartmentRow(Base):
    """A team (department) of the sales department, with its head."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # The case-folded name: two teams may not differ only in case.
    name_key: Mapped[str] = mapped_column(String(64), unique=True)
    # use_alter: user and department point at each other; this breaks the cycle for sorting.
    head_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", use_alter=True))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class InviteRow(Base):
    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SettingRow(Base):
    """Small key-value facts of the installation (the admin claim code, later company settings)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PipelineRow(Base):
    __tablename__ = "pipeline"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)


class StageRow(Base):
    __tablename__ = "stage"
    __table_args__ = (Index("ix_stage_pipeline_position", "pipeline_id", "position"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipeline.id"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    probability: Mapped[int] = mapped_column(Integer)
    stall_days: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)


class LostReasonRow(Base):
    __tablename__ = "lost_reason"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipeline.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)


class ClientRow(Base):
    __tablename__ = "client"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    company: Mapped[str] = mapped_column(String(200))
    # Lower-cased copy for case-insensitive search: SQLite's lower() knows only ASCII.
    company_search: Mapped[str] = mapped_column(String(200), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    telegram: Mapped[str | None] = mapped_column(String(64))
    tg_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # The client asked never to be surveyed again.
    do_not_survey: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ContactRow(Base):
    """A contact person of a client: a name, a phone, a Telegram account."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_search: Mapped[str] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    # The phone's digits only (`+7 916 …` and `8 916 …` alike): what a phone is matched by.
    phone_digits: Mapped[str | None] = mapped_column(String(16), index=True)
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    tg_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DealRow(Base):
    __tablename__ = "deal"
    __table_args__ = (
        Index("ix_deal_owner_status_stage", "owner_id", "status", "stage_id"),
        Index("ix_deal_pipeline_status", "pipeline_id", "status"),
        # The digest's figures by closing and creation time, read from the index alone.
        Index(
            "ix_deal_status_closed",
            "status",
            "closed_at",
            "owner_id",
            "stage_id",
            "is_new_client",
            "amount",
            "stage_entered_at",
        ),
        Index("ix_deal_created", "created_at", "owner_id", "pipeline_id", "stage_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    title_search: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipeline.id"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stage.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str | None] = mapped_column(String(16))
    product: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    is_new_client: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    stage_entered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expected_close_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lost_reason_id: Mapped[int | None] = mapped_column(ForeignKey("lost_reason.id"))
    lost_reason_text: Mapped[str | None] = mapped_column(String(200))
    # A handoff to a stage's owner waiting for Accept / Decline ("specialised conveyor").
    handoff_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Bumped by every change; a change names the version it saw, so a second press is noticed.
    version: Mapped[int] = mapped_column(Integer)


class DealEventRow(Base):
    """Every change of a deal, with its time and actor: the ground truth of the statistics."""

    __tablename__ = "deal_event"
    __table_args__ = (
        Index("ix_deal_event_deal_at", "deal_id", "at"),
        # The stages a deal entered, for the digest's funnel (history rows without a stage,
        # notes, edits and files, are left out).
        Index(
            "ix_deal_event_deal_stage",
            "deal_id",
            "to_stage_id",
            sqlite_where=text("to_stage_id IS NOT NULL"),
            postgresql_where=text("to_stage_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stage.id"))
    to_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stage.id"))
    text: Mapped[str | None] = mapped_column(Text)
    # An edit from the card: the field, and its values before and after as the domain keeps them.
    field: Mapped[str | None] = mapped_column(String(16))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    # A client's forwarded message: its author and time as Telegram gave them.
    origin_name: Mapped[str | None] = mapped_column(String(128))
    origin_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # A file kept by its Telegram id (never downloaded), with what is shown of it.
    file_id: Mapped[str | None] = mapped_column(String(255))
    file_kind: Mapped[str | None] = mapped_column(String(16))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    file_duration: Mapped[int | None] = mapped_column(Integer)
    file_name: Mapped[str | None] = mapped_column(String(255))


class TaskRow(Base):
    """A seller's next step, usually on a deal; `remind_at` is set while a reminder is owed."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_assignee_status_due", "assignee_id", "status", "due_at"),
        Index("ix_task_deal_status", "deal_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deal.id", ondelete="CASCADE"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(12))
    remind_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
    # The due time whose overdue was reported to the seller's head: once per due time,
    # whichever process got there first (a new due time may be reported again).
    escalated_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CalendarDayRow(Base):
    """A day an admin set apart from the public calendar: a working day, or a day off."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OutboxRow(Base):
    """Every notification the bot sends on its own, persisted before it is sent.

    `dedup_key` makes enqueueing idempotent: a job that runs twice, or in two processes,
    inserts each notification once. A sender claims rows with a lease (`lease_until`).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_not_before", "status", "not_before"),
        # A chat's queue: its oldest undelivered notice is the only one that may go.
        Index("ix_outbox_chat_queue", "chat_id", "status", "not_before", "id"),
        # A sent list's message, found again when its reader turns a page.
        Index("ix_outbox_chat_message", "chat_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    payload: Mapped[str] = mapped_column(Text)  # JSON: text, reply_markup, entries, why
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)  # a photo or a document
    # pending → sending → sent | failed (a permanent answer) | dropped (stale, expired, merged)
    status: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When it was meant to go: a chat's notices go in this order, retries included.
    not_before: Mapped[datetime] = mapped_column(UtcDateTime())
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ref: Mapped[str | None] = mapped_column(String(100))
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    merged_into: Mapped[int | None] = mapped_column(BigId)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # Telegram's, of part one
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(String(500))


class OutboxFileRow(Base):
    """A picture of a notice's album, in order."""

    __tablename__ = "outbox_file"

    outbox_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class JobRunRow(Base):
    """A periodic job's claim on one period ("agenda", "2026-11-23"): the first process wins."""

    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(64), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SurveyRow(Base):
    """One NPS question to one client, reached by an unguessable single-use token."""

    __tablename__ = "survey"
    __table_args__ = (
        Index("ix_survey_client_created", "client_id", "created_at"),
        Index("ix_survey_answered_at", "answered_at"),
        Index("ix_survey_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deal.id", ondelete="SET NULL"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    pipeline_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline.id"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12))
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    recovery_task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    # The Telegram chat that answers: the first to open the link, or the one it was sent to.
    chat_id: Mapped[int | None] = mapped_column(BigInteger)


class AuditRow(Base):
    """Every admin change: who, when, what, the value before and after."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_at", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    action: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class PlanRow(Base):
    """A seller's plan for a month (named by its first day); one row per seller and month."""

    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("month", "seller_id", name="uq_plan_month_seller"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    month: Mapped[date] = mapped_column(Date)
    revenue: Mapped[int] = mapped_column(BigInteger)
    won_deals: Mapped[int | None] = mapped_column(Integer)
    meetings: Mapped[int | None] = mapped_column(Integer)
    proposals: Mapped[int | None] = mapped_column(Integer)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StandupGroupRow(Base):
    """A team's group chat the bot was added to, and whether a head turned the morning
    stand-up on there: the group gets nothing else, and nothing while it is off."""

    __tablename__ = "standup_group"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(255))
    is_on: Mapped[bool] = mapped_column(Boolean)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebhookUpdateRow(Base):
    """An update Telegram posted to the webhook: who handles it now (a claim with a lease), and
    when it was done. Workers behind one URL share it, so a redelivered update_id is handled
    once; rows older than Telegram keeps an update (a day) are purged."""

    __tablename__ = "webhook_update"
    __table_args__ = (Index("ix_webhook_update_seen_at", "seen_at"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    claimant: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
