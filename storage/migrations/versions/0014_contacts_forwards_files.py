"""contact persons of clients, a deal's contact, forwarded notes and files in a deal's history

A client's contact kept on the client row so far (contact_name, phone, telegram) becomes the
client's first contact person, and the client's deals are made with that person; the client's
columns stay as they were (nothing reads them to write).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "contact",
        sa.Column("id", BigId, nullable=False),
        sa.Column("client_id", BigId, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_search", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("phone_digits", sa.String(length=16), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("tg_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", BigId, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["client.id"],
            name=op.f("fk_contact_client_id_client"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name=op.f("fk_contact_created_by_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
    )
    for column in ("client_id", "name_search", "phone_digits", "username", "tg_id"):
        op.create_index(op.f(f"ix_contact_{column}"), "contact", [column], unique=False)
    _add_deal_contact()
    with op.batch_alter_table("deal_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin_name", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("origin_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("file_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("file_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("file_size", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("file_duration", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("file_name", sa.String(length=255), nullable=True))
    _contacts_from_clients()


def _add_deal_contact() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Not by batch: it would copy the deal table and drop the old one, and dropping it
        # deletes every row that cascades from a deal (its history, its tasks). SQLite adds a
        # column with its reference in place.
        op.execute(
            "ALTER TABLE deal ADD COLUMN contact_id INTEGER CONSTRAINT fk_deal_contact_id_contact"
            " REFERENCES contact (id)"
        )
        return
    op.add_column("deal", sa.Column("contact_id", BigId, nullable=True))
    op.create_foreign_key(
        op.f("fk_deal_contact_id_contact"),
        "deal",
        "contact",
        ["contact_id"],
        ["id"],
    )


def _digits(phone: str | None) -> str | None:
    """As `bot.domain.contacts.phone_digits` at the time of writing (a migration is frozen)."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    if len(digits) == 10 and digits[0] == "9":
        digits = "7" + digits
    return digits if 7 <= len(digits) <= 15 else None


def _contacts_from_clients() -> None:
    conn = op.get_bind()
    client = sa.table(
        "client",
        sa.column("id"),
        sa.column("contact_name"),
        sa.column("phone"),
        sa.column("telegram"),
        sa.column("tg_id"),
        sa.column("created_by"),
    )
    contact = sa.table(
        "contact",
        sa.column("id"),
        sa.column("client_id"),
        sa.column("name"),
        sa.column("name_search"),
        sa.column("phone"),
        sa.column("phone_digits"),
        sa.column("username"),
        sa.column("tg_id"),
        sa.column("created_by"),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    deal = sa.table("deal", sa.column("client_id"), sa.column("contact_id"))
    rows = conn.execute(
        sa.select(client).where(
            sa.or_(
                client.c.contact_name.isnot(None),
                client.c.phone.isnot(None),
                client.c.telegram.isnot(None),
            )
        )
    ).all()
    now = datetime.now(UTC)
    for row in rows:
        username = (row.telegram or "").strip().lstrip("@") or None
        name = (row.contact_name or "").strip() or row.phone or f"@{username}"
        contact_id = conn.execute(
            sa.insert(contact)
            .values(
                client_id=row.id,
                name=name[:200],
                name_search=name[:200].casefold().replace("ё", "е"),
                phone=row.phone,
                phone_digits=_digits(row.phone),
                username=username,
                # The client's chat is the chat that answered a survey: the contact's own.
                tg_id=row.tg_id,
                created_by=row.created_by,
                created_at=now,
            )
            .returning(contact.c.id)
        ).scalar_one()
        conn.execute(
            sa.update(deal).where(deal.c.client_id == row.id).values(contact_id=contact_id)
        )


def downgrade() -> None:
    with op.batch_alter_table("deal_event", schema=None) as batch_op:
        for column in (
            "file_name",
            "file_duration",
            "file_size",
            "file_kind",
            "file_id",
            "origin_at",
            "origin_name",
        ):
            batch_op.drop_column(column)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("UPDATE deal SET contact_id = NULL")
        op.execute("ALTER TABLE deal DROP COLUMN contact_id")  # SQLite 3.35+, in place
    else:
        op.drop_constraint(op.f("fk_deal_contact_id_contact"), "deal", type_="foreignkey")
        op.drop_column("deal", "contact_id")
    for column in ("tg_id", "username", "phone_digits", "name_search", "client_id"):
        op.drop_index(op.f(f"ix_contact_{column}"), table_name="contact")
    op.drop_table("contact")
