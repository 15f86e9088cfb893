"""source credentials apart from canonical URLs; the time of a send whose outcome is unknown

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models
from core.source_url import fetch_url, split_source_url

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credentials", sa.Text(), nullable=True))
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attempted_at", storage.models.UTCDateTime(timezone=True), nullable=True)
        )
    _canonical_source_urls()


def _canonical_source_urls() -> None:
    """Stored addresses in canonical form, credentials moved out; a spelling whose canonical
    form another source already has stays as it is (an admin removes the duplicate)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, url FROM sources ORDER BY id")).all()
    taken = {str(url) for _id, url in rows}
    for source_id, url in rows:
        try:
            address = split_source_url(str(url))
        except ValueError:
            continue
        if address.key == url and address.credentials is None:
            continue
        if address.key != url and address.key in taken:
            continue
        conn.execute(
            sa.text("UPDATE sources SET url = :u, credentials = :c WHERE id = :i"),
            {"u": address.key, "c": address.credentials, "i": source_id},
        )
        taken.discard(str(url))
        taken.add(address.key)


def downgrade() -> None:
    conn = op.get_bind()
    held = conn.execute(
        sa.text("SELECT id, url, credentials FROM sources WHERE credentials IS NOT NULL")
    ).all()
    for source_id, url, credentials in held:  # the credentials go back into the address
        conn.execute(
            sa.text("UPDATE sources SET url = :u WHERE id = :i"),
            {"u": fetch_url(str(url), str(credentials)), "i": source_id},
        )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("attempted_at")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("credentials")
