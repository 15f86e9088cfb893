"""sources remember how many new entries their last poll left for the next one

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 05:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(
            sa.Column("deferred_items", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("sources") as batch:
        batch.alter_column("deferred_items", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("deferred_items")
