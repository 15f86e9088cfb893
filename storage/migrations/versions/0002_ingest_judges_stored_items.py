"""ingest judges stored items: pending items, item tags, merged stories, the judge generation

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 01:53:37.945391
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ingest_state",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "item_tags",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_id", "kind", "slug"),
        sqlite_with_rowid=False,
    )
    # Items stored before this revision were clustered and tagged when they arrived.
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(
            "ix_items_pending",
            ["pending"],
            unique=False,
            sqlite_where=sa.text("pending"),
            postgresql_where=sa.text("pending"),
        )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.alter_column("pending", server_default=None)
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_stories_merged_into", "stories", ["merged_into"], ["id"], ondelete="SET NULL"
        )
    # Each existing item carries its story's tags: the best record of them there is.
    op.execute(
        "INSERT INTO item_tags (item_id, kind, slug) "
        "SELECT items.id, story_tags.kind, story_tags.slug FROM items "
        "JOIN story_tags ON story_tags.story_id = items.story_id"
    )


def downgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_constraint("fk_stories_merged_into", type_="foreignkey")
        batch_op.drop_column("merged_into")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_items_pending", sqlite_where=sa.text("pending"), postgresql_where=sa.text("pending")
        )
        batch_op.drop_column("pending")
    op.drop_table("item_tags")
    op.drop_table("ingest_state")
