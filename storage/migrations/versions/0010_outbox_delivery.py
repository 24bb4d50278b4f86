"""outbox: order per chat, retries until stale or expired, multi-part units, merged lists

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ref", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("parts_sent", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("merged_into", _ID, nullable=True))
        batch_op.create_index(
            "ix_outbox_chat_queue", ["chat_id", "status", "not_before", "id"], unique=False
        )
    op.create_table(
        "outbox_file",
        sa.Column("outbox_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
            name=op.f("fk_outbox_file_outbox_id_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outbox_id", "position", name=op.f("pk_outbox_file")),
    )


def downgrade() -> None:
    op.drop_table("outbox_file")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_chat_queue")
        batch_op.drop_column("merged_into")
        batch_op.drop_column("parts_sent")
        batch_op.drop_column("retry_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("ref")
