"""stories by the story that absorbed them: a judgement asks which revisited stories absorbed
others

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 02:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_stories_merged_into", "stories", ["merged_into"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_stories_merged_into", table_name="stories")
