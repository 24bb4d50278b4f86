"""digest indexes: won/lost deals by closing time, deals by creation time, stage moves per deal

The morning digest at 200,000 deals and 2,000,000 history rows scanned `deal` for every
closing-time figure and read the month's history rows one by one for the funnel; these three
indexes let it read only the rows it counts, without visiting the table (benchmarks/digest.py).

Plain CREATE INDEX on purpose: a batch alter of `deal` on SQLite copies the table, and the
drop of the old one cascades to deal_event and task.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_STAGE_MOVES = sa.text("to_stage_id IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_deal_status_closed",
        "deal",
        [
            "status",
            "closed_at",
            "owner_id",
            "stage_id",
            "is_new_client",
            "amount",
            "stage_entered_at",
        ],
    )
    op.create_index(
        "ix_deal_created", "deal", ["created_at", "owner_id", "pipeline_id", "stage_id", "status"]
    )
    op.create_index(
        "ix_deal_event_deal_stage",
        "deal_event",
        ["deal_id", "to_stage_id"],
        sqlite_where=_STAGE_MOVES,
        postgresql_where=_STAGE_MOVES,
    )


def downgrade() -> None:
    op.drop_index("ix_deal_event_deal_stage", table_name="deal_event")
    op.drop_index("ix_deal_created", table_name="deal")
    op.drop_index("ix_deal_status_closed", table_name="deal")
