"""monthly plans per seller

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("id", _ID, nullable=False),
        sa.Column("seller_id", _ID, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("revenue", sa.BigInteger(), nullable=False),
        sa.Column("won_deals", sa.Integer(), nullable=True),
        sa.Column("meetings", sa.Integer(), nullable=True),
        sa.Column("proposals", sa.Integer(), nullable=True),
        sa.Column("updated_by", _ID, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["seller_id"], ["user.id"], name=op.f("fk_plan_seller_id_user")),
        sa.ForeignKeyConstraint(["updated_by"], ["user.id"], name=op.f("fk_plan_updated_by_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
        sa.UniqueConstraint("month", "seller_id", name="uq_plan_month_seller"),
    )


def downgrade() -> None:
    op.drop_table("plan")
