"""digest subscriptions: cadence, weekday, size and filters in the query language

Revision ID: 0007
Revises: 0014
Create Date: 2026-12-06 06:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing digests stay daily, five cards, and keep their topics (any of them): an empty
    # query means the `topics` column decides, as before.
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("query", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column(
                "cadence",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="daily",
            )
        )
        batch_op.add_column(sa.Column("weekday", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("size", sa.Integer(), nullable=False, server_default="5"))
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.alter_column("query", server_default=None)
        batch_op.alter_column("cadence", server_default=None)
        batch_op.alter_column("size", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("size")
        batch_op.drop_column("weekday")
        batch_op.drop_column("cadence")
        batch_op.drop_column("query")
