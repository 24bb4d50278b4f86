"""nps surveys

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "survey",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("deal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "client_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "seller_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "pipeline_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "recovery_task_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["client.id"], name=op.f("fk_survey_client_id_client")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name=op.f("fk_survey_created_by_user")
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deal.id"], name=op.f("fk_survey_deal_id_deal"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["pipeline_id"], ["pipeline.id"], name=op.f("fk_survey_pipeline_id_pipeline")
        ),
        sa.ForeignKeyConstraint(
            ["recovery_task_id"], ["task.id"], name=op.f("fk_survey_recovery_task_id_task")
        ),
        sa.ForeignKeyConstraint(["seller_id"], ["user.id"], name=op.f("fk_survey_seller_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey")),
        sa.UniqueConstraint("token", name=op.f("uq_survey_token")),
    )
    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.create_index("ix_survey_answered_at", ["answered_at"], unique=False)
        batch_op.create_index("ix_survey_client_created", ["client_id", "created_at"], unique=False)
        batch_op.create_index("ix_survey_created_at", ["created_at"], unique=False)

    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("do_not_survey", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_client_tg_id"), ["tg_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("client", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_tg_id"))
        batch_op.drop_column("do_not_survey")

    with op.batch_alter_table("survey", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_created_at")
        batch_op.drop_index("ix_survey_client_created")
        batch_op.drop_index("ix_survey_answered_at")

    op.drop_table("survey")
