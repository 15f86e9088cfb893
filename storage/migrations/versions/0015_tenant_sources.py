"""tenant sources: the sources so far become the shared catalogue; tenants add private ones
and hide catalogue ones; one address read with other credentials is another source

Revision ID: 0015
Revises: 0010
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0015"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the initial schema left the unique constraint on sources.url unnamed: this names it for SQLite's
# table copy and matches PostgreSQL's default name
_NAMING = {"uq": "%(table_name)s_%(column_0_name)s_key"}


def upgrade() -> None:
    with op.batch_alter_table("sources", naming_convention=_NAMING) as batch_op:
        batch_op.add_column(sa.Column("fetch_key", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("shared", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.drop_constraint("sources_url_key", type_="unique")
        batch_op.create_unique_constraint("uq_sources_fetch", ["url", "fetch_key"])
    op.create_table(
        "tenant_sources",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("workspace", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("relation", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("added_at", storage.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("source_id", "platform", "workspace"),
    )
    op.create_index(
        "ix_tenant_sources_tenant", "tenant_sources", ["platform", "workspace"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_tenant_sources_tenant", table_name="tenant_sources")
    op.drop_table("tenant_sources")
    with op.batch_alter_table("sources") as batch_op:
        batch_op.drop_constraint("uq_sources_fetch", type_="unique")
        batch_op.create_unique_constraint("sources_url_key", ["url"])
        batch_op.drop_column("shared")
        batch_op.drop_column("fetch_key")
