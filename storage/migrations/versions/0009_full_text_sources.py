"""full text for teaser feeds: the source option and its article counters

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-06 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(
            sa.Column("full_text", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("articles_fetched", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("articles_failed", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("articles_failed")
        batch.drop_column("articles_fetched")
        batch.drop_column("full_text")
