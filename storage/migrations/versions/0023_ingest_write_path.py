"""ingest's write path: pending items indexed by time; a story's search entry rewritten only
when its headline changes

A judgement takes the oldest pending items first: the partial index of pending items now holds
their publication times, so the cut and the read are index ranges instead of a sort of every
pending item. On SQLite, the trigger that keeps `search_stories` in step with headlines fired on
every refresh of a story (each sets the headline, mostly to the same text); it now fires when
the headline changed, which leaves the index as it was.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 03:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = {"sqlite_where": sa.text("pending"), "postgresql_where": sa.text("pending")}

_STORIES_UPDATE = """CREATE TRIGGER search_stories_update AFTER UPDATE OF headline ON stories
    {when}BEGIN
        INSERT INTO search_stories (search_stories, rowid, headline)
        VALUES ('delete', old.id, old.headline);
        INSERT INTO search_stories (rowid, headline) VALUES (new.id, new.headline);
    END"""


def _pending_index(columns: list[str]) -> None:
    op.drop_index("ix_items_pending", table_name="items", **_PENDING)
    op.create_index("ix_items_pending", "items", columns, unique=False, **_PENDING)


def _stories_trigger(when: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's search column is generated: no trigger
    op.execute("DROP TRIGGER IF EXISTS search_stories_update")
    op.execute(_STORIES_UPDATE.format(when=when))


def upgrade() -> None:
    _pending_index(["published_at"])
    _stories_trigger("WHEN old.headline IS NOT new.headline\n    ")


def downgrade() -> None:
    _pending_index(["pending"])
    _stories_trigger("")
