"""items by story with their source: whether a tenant sees a story is answered from the index

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 09:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_items_story", table_name="items")
    op.create_index("ix_items_story", "items", ["story_id", "source_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_items_story", table_name="items")
    op.create_index("ix_items_story", "items", ["story_id"], unique=False)
