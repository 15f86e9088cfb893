"""story relevance and significance; source kind

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Stories judged before this revision count as policy news of unknown type until their
    # next judgement: nothing disappears from briefs on upgrade.
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("relevant", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column("relevance_reasons", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column(
                "event_type",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="other",
            )
        )
        batch_op.add_column(
            sa.Column("significance", sa.Float(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.alter_column("relevant", server_default=None)
        batch_op.alter_column("relevance_reasons", server_default=None)
        batch_op.alter_column("event_type", server_default=None)
        batch_op.alter_column("significance", server_default=None)
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_column("significance")
        batch_op.drop_column("event_type")
        batch_op.drop_column("relevance_reasons")
        batch_op.drop_column("relevant")
