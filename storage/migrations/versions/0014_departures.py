"""departures: workspaces and servers that removed policybrief, purged after a grace period

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 05:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "departures",
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace", sa.String(), nullable=False),
        sa.Column("left_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("purge_at", storage.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace"),
    )
    op.create_index("ix_departures_purge_at", "departures", ["purge_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_departures_purge_at", table_name="departures")
    op.drop_table("departures")
