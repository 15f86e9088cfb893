"""batched watch alerts: paused watches, a daily watch's local time and zone, and the stories
each person was told about

Revision ID: 0008
Revises: 0009
Create Date: 2026-12-06 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0008"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("watches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("daily_at", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("timezone", sa.String(), nullable=True))
    op.create_table(
        "watch_alerts",
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=True),
        sa.Column("delivery_key", sa.String(), nullable=True),
        sa.Column("at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["watch_id"], ["watches.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("platform", "workspace", "user_id", "story_id"),
    )
    op.create_index(
        "ix_watch_alerts_recent", "watch_alerts", ["platform", "workspace", "user_id", "at"]
    )
    op.create_index("ix_watch_alerts_delivery_key", "watch_alerts", ["delivery_key"])


def downgrade() -> None:
    op.drop_index("ix_watch_alerts_delivery_key", table_name="watch_alerts")
    op.drop_index("ix_watch_alerts_recent", table_name="watch_alerts")
    op.drop_table("watch_alerts")
    with op.batch_alter_table("watches", schema=None) as batch_op:
        batch_op.drop_column("timezone")
        batch_op.drop_column("daily_at")
        batch_op.drop_column("paused")
